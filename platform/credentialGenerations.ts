import type { SecretConfig } from "../config/schema";

/** Where a credential is in its rotation. */
export type RotationPhase = "idle" | "added" | "rolled";

/**
 * The generations of one credential that exist right now. A rotation moves through three stack
 * updates, so that no client ever holds a value the store refuses:
 *   idle    - consumers use G; the store accepts G.
 *   added   - consumers still use G; the store accepts G and G+1.
 *   rolled  - consumers use G+1; the store still accepts G (clients that have not reconnected yet).
 * Retiring G returns to idle at G+1.
 */
export interface Generations {
    phase: RotationPhase;
    /** The generation consumers are started with. */
    inUse: number;
    /** Every generation the store (or a verifier of signatures) accepts, oldest first. */
    accepted: number[];
}

export function generationsOf(secret: Pick<SecretConfig, "rotationEpoch" | "rotation">): Generations {
    const newest = secret.rotationEpoch;
    if (!secret.rotation) return { phase: "idle", inUse: newest, accepted: [newest] };
    const { from, phase } = secret.rotation;
    return { phase, inUse: phase === "added" ? from : newest, accepted: [from, newest] };
}

/** The generation accepted besides the one in use (the same one when no rotation is under way). */
export function alsoAccepted(g: Generations): number {
    return g.accepted.find((generation) => generation !== g.inUse) ?? g.inUse;
}

/**
 * PostgreSQL's login role for a generation: two roles alternate, so the previous generation's
 * role keeps its password while consumers move to the other one.
 */
export function postgresLoginRole(owner: string, generation: number): string {
    return `${owner}_${generation % 2 === 0 ? "a" : "b"}`;
}

/** A key's identifier in a key set (the `kid` of a signed token): stable for the generation's life. */
export function keyId(secretName: string, generation: number): string {
    return `${secretName}-${generation}`;
}
