import type Redis from "ioredis";
import { UnavailableError } from "../errors";
import { connectRedis, describeTarget, type RedisTarget } from "../redis/connect";

/** The Redis user the platform's clients log in as: they send only a password (AUTH <password>). */
const USER = "default";

/**
 * Makes a running Redis accept exactly `accepted` as the default user's passwords, in one atomic
 * `ACL SETUSER` (a password added keeps the others until it resets them). It logs in with the first
 * of `candidates` the server takes: whichever value it accepted before this change. The store
 * takes the change live; its pod never restarts for a credential.
 */
export async function applyRedisPasswords(
    target: Omit<RedisTarget, "password">,
    candidates: string[],
    accepted: string[],
): Promise<{ loggedInWith: number }> {
    const { redis, index } = await loginWithAny(target, candidates);
    try {
        const passwords = [...new Set(accepted)].map((p) => `>${p}`);
        await redis.call("ACL", "SETUSER", USER, "on", "resetpass", ...passwords);
    } finally {
        redis.disconnect();
    }
    for (const password of accepted) {
        const check = await connectRedis({ ...target, password }).catch(() => undefined);
        if (!check) throw new UnavailableError(`Redis at ${describeTarget(target)} does not accept an accepted password after ACL SETUSER`);
        check.disconnect();
    }
    return { loggedInWith: index };
}

/** A connection authenticated with the first candidate the server accepts, and that candidate's position. */
export async function loginWithAny(target: Omit<RedisTarget, "password">, candidates: string[]): Promise<{ redis: Redis; index: number }> {
    let last: unknown;
    for (const [index, password] of [...new Set(candidates)].entries()) {
        try {
            return { redis: await connectRedis({ ...target, password }), index };
        } catch (error) {
            last = error;
        }
    }
    throw new UnavailableError(
        `Redis at ${describeTarget(target)} accepts none of the secret's values (${(last as Error).message}); ` +
            "the store and its Secret disagree: see docs/runbook.md, credential rotation",
    );
}
