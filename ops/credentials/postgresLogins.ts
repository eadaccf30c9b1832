import type { Client } from "pg";
import { UnavailableError } from "../errors";
import { connectPostgres, type PostgresTarget } from "../postgres/connect";
import { scramSha256Verifier } from "./scramVerifier";

/** A login role and the password it must accept. */
export interface Login {
    role: string;
    password: string;
}

export interface PostgresLogins {
    /** The role that owns the database's objects; every login role is a member and acts as it. */
    owner: string;
    /** Login roles that must accept their password (one, or two during a rotation). */
    accepted: Login[];
    /** Login roles that must no longer log in. */
    retired: string[];
    /** The owner's own password: the oldest accepted value, so a client that logs in as the owner keeps working until a retirement. */
    ownerPassword: string;
}

export interface AppliedLogins {
    /** Roles created by this run. */
    created: string[];
    /** Roles retired by this run (they could log in before). */
    retired: string[];
    /** Whether the owner's password changed. */
    ownerPasswordChanged: boolean;
}

type Target = Omit<PostgresTarget, "user" | "password">;

/**
 * Brings PostgreSQL's roles to `desired`: each accepted login role exists, logs in with its
 * password and acts as the owner role (member, and `role` set at login, so whatever it creates
 * belongs to the owner, never to whichever login created it); retired login roles and a changed
 * owner password wait until no session uses them (up to `retireWaitMs`), else nothing changes.
 * Passwords travel as SCRAM verifiers. Logs in with the first of `candidates` the server accepts.
 */
export async function applyPostgresLogins(
    target: Target,
    candidates: Login[],
    desired: PostgresLogins,
    retireWaitMs: number,
): Promise<AppliedLogins> {
    const client = await loginWithAny(target, candidates);
    try {
        const ownerPasswordChanged = !(await accepts(target, { role: desired.owner, password: desired.ownerPassword }));
        const retiring = await rolesThatCanLogIn(client, desired.retired);
        const waitFor = [...retiring, ...(ownerPasswordChanged ? [desired.owner] : [])];
        if (waitFor.length > 0) await waitUntilUnused(client, waitFor, retireWaitMs);

        const existing = new Set(
            (
                await client.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname = ANY($1)", [
                    desired.accepted.map((l) => l.role),
                ])
            ).rows.map((r) => r.rolname),
        );
        const owner = client.escapeIdentifier(desired.owner);
        const created: string[] = [];
        await client.query("BEGIN");
        for (const login of desired.accepted) {
            const role = client.escapeIdentifier(login.role);
            if (!existing.has(login.role)) {
                await client.query(`CREATE ROLE ${role}`);
                created.push(login.role);
            }
            await client.query(
                `ALTER ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT PASSWORD ${verifier(client, login.password)}`,
            );
            await client.query(`GRANT ${owner} TO ${role}`);
            await client.query(`ALTER ROLE ${role} SET role TO ${client.escapeLiteral(desired.owner)}`);
        }
        for (const role of retiring) await client.query(`ALTER ROLE ${client.escapeIdentifier(role)} WITH NOLOGIN PASSWORD NULL`);
        if (ownerPasswordChanged) await client.query(`ALTER ROLE ${owner} WITH PASSWORD ${verifier(client, desired.ownerPassword)}`);
        await client.query("COMMIT");
        return { created, retired: retiring, ownerPasswordChanged };
    } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
    } finally {
        await client.end().catch(() => undefined);
    }
}

const verifier = (client: Client, password: string) => client.escapeLiteral(scramSha256Verifier(password));

async function loginWithAny(target: Target, candidates: Login[]): Promise<Client> {
    const failures: string[] = [];
    for (const c of candidates) {
        try {
            return await connectPostgres({ ...target, user: c.role, password: c.password });
        } catch (error) {
            failures.push(`${c.role}: ${(error as Error).message}`);
        }
    }
    throw new UnavailableError(
        `PostgreSQL accepts none of the secret's logins (${failures.join("; ")}); the store and its Secret disagree: ` +
            "see docs/runbook.md, credential rotation",
    );
}

/** Whether the server lets this role log in with this password now. */
async function accepts(target: Target, login: Login): Promise<boolean> {
    const client = await connectPostgres({ ...target, user: login.role, password: login.password, reachWithinMs: 0 }).catch(
        () => undefined,
    );
    await client?.end().catch(() => undefined);
    return client !== undefined;
}

async function rolesThatCanLogIn(client: Client, roles: string[]): Promise<string[]> {
    const { rows } = await client.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname = ANY($1) AND rolcanlogin", [
        roles,
    ]);
    return rows.map((r) => r.rolname);
}

/**
 * Client sessions logged in as these roles, other than this one. Background workers count no
 * more: the logical replication launcher runs as the bootstrap superuser, which is the owner here.
 */
export async function sessionsOf(client: Client, roles: string[]): Promise<Array<{ role: string; application: string; client: string }>> {
    const { rows } = await client.query<{ usename: string; application_name: string; client_addr: string | null }>(
        "SELECT usename, application_name, client_addr::text FROM pg_stat_activity " +
            "WHERE usename = ANY($1) AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
        [roles],
    );
    return rows.map((r) => ({ role: r.usename, application: r.application_name || "?", client: r.client_addr ?? "local" }));
}

async function waitUntilUnused(client: Client, roles: string[], waitMs: number): Promise<void> {
    const deadline = Date.now() + waitMs;
    for (;;) {
        const sessions = await sessionsOf(client, roles);
        if (sessions.length === 0) return;
        if (Date.now() >= deadline) {
            const who = sessions.slice(0, 5).map((s) => `${s.role} from ${s.client} (${s.application})`);
            throw new UnavailableError(
                `${sessions.length} session(s) still log in with the credential being retired: ${who.join(", ")}; ` +
                    "nothing was changed. Roll or stop those clients, then run the retire phase again",
            );
        }
        await new Promise((r) => setTimeout(r, 1000));
    }
}
