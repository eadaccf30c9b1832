import { postgresLoginRole } from "../../platform/credentialGenerations";
import type { Login, PostgresLogins } from "./postgresLogins";

/** A credential's values as its Secret holds them: the one in use and the other accepted one (the same one outside a rotation). */
export interface CredentialValues {
    inUse: { generation: number; value: string };
    also: { generation: number; value: string };
}

const rotating = (c: CredentialValues) => c.also.generation !== c.inUse.generation;

/** The passwords Redis must accept. */
export const redisAccepted = (c: CredentialValues): string[] => (rotating(c) ? [c.inUse.value, c.also.value] : [c.inUse.value]);

/**
 * The roles PostgreSQL must have. The owner's password is the older accepted value: a client
 * still logging in as the owner (the layout before login roles) keeps working until a retirement.
 */
export function postgresDesired(owner: string, c: CredentialValues): PostgresLogins {
    const inUse = { role: postgresLoginRole(owner, c.inUse.generation), password: c.inUse.value };
    const also = { role: postgresLoginRole(owner, c.also.generation), password: c.also.value };
    if (!rotating(c)) {
        const other = postgresLoginRole(owner, c.inUse.generation + 1);
        return { owner, accepted: [inUse], retired: [other], ownerPassword: inUse.password };
    }
    const older = c.also.generation < c.inUse.generation ? also : inUse;
    return { owner, accepted: [inUse, also], retired: [], ownerPassword: older.password };
}

/** Every login the server may accept right now: the Secret's values as login roles, then as the owner (first install, older layout). */
export function postgresCandidates(owner: string, c: CredentialValues): Login[] {
    return [
        { role: postgresLoginRole(owner, c.inUse.generation), password: c.inUse.value },
        { role: postgresLoginRole(owner, c.also.generation), password: c.also.value },
        { role: owner, password: c.inUse.value },
        { role: owner, password: c.also.value },
    ];
}
