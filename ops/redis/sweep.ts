import type Redis from "ioredis";
import { InvalidInputError, OpsTimeoutError } from "../errors";
import { explainRedisError } from "./connect";

export interface SweepProgress {
    /** SCAN calls made. */
    scans: number;
    /** Keys SCAN returned that match (duplicates included). */
    seen: number;
    /** Keys actually removed (UNLINK's own count, so duplicates count once). */
    deleted: number;
}

export interface SweepOptions {
    /** SCAN MATCH pattern, e.g. "session:*". Must start with a literal prefix. */
    pattern: string;
    /** SCAN COUNT hint: keys examined per call. Default 1000. */
    count?: number;
    /** Give up after this many milliseconds; what was done stays done. Default 600000. */
    timeoutMs?: number;
    /** Count what would be deleted without deleting. */
    preview?: boolean;
    /** UNLINK batches in flight at once, pipelined behind the next SCAN. Default 4. */
    inFlight?: number;
    onProgress?: (progress: SweepProgress) => void;
    /** Used in messages. */
    where?: string;
}

export interface SweepResult extends SweepProgress {
    pattern: string;
    preview: boolean;
    /** Distinct matching keys (preview) or keys deleted (otherwise). */
    matched: number;
    durationMs: number;
}

/** A pattern that starts with a glob would sweep the whole keyspace, like FLUSHDB. */
export function assertNarrowPattern(pattern: string): void {
    if (pattern.length === 0 || /^[*?[\\]/.test(pattern)) {
        throw new InvalidInputError(`--pattern "${pattern}" would match every key; name a literal prefix such as "session:*"`);
    }
}

/**
 * Deletes the keys matching a pattern the way a busy production store tolerates: SCAN in
 * bounded steps (never KEYS), UNLINK (freed off the main thread) in pipelined batches, a
 * deadline, and progress. SCAN may return a key twice; UNLINK's count makes that harmless.
 */
export async function sweepKeys(redis: Redis, options: SweepOptions): Promise<SweepResult> {
    assertNarrowPattern(options.pattern);
    const count = options.count ?? 1000;
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    const maxInFlight = options.inFlight ?? 4;
    const started = Date.now();
    const progress: SweepProgress = { scans: 0, seen: 0, deleted: 0 };
    const distinct = options.preview ? new Set<string>() : undefined;
    const pending: Promise<void>[] = [];
    let cursor = "0";

    try {
        do {
            if (Date.now() > deadline) {
                await Promise.all(pending);
                throw new OpsTimeoutError(
                    `sweep of "${options.pattern}" stopped at its deadline after deleting ${progress.deleted} keys; run it again to ` +
                        `continue (it is idempotent)`,
                );
            }
            const [next, keys] = await redis.scan(cursor, "MATCH", options.pattern, "COUNT", count);
            cursor = next;
            progress.scans += 1;
            progress.seen += keys.length;
            if (keys.length > 0) {
                if (distinct) {
                    for (const key of keys) distinct.add(key);
                } else {
                    pending.push(
                        redis.unlink(...keys).then((n) => {
                            progress.deleted += n;
                        }),
                    );
                    if (pending.length >= maxInFlight) await pending.shift();
                }
            }
            options.onProgress?.(progress);
        } while (cursor !== "0");
        await Promise.all(pending);
    } catch (error) {
        if (error instanceof OpsTimeoutError || error instanceof InvalidInputError) throw error;
        throw explainRedisError(error, options.where ?? "the target");
    }

    return {
        ...progress,
        pattern: options.pattern,
        preview: options.preview ?? false,
        matched: distinct ? distinct.size : progress.deleted,
        durationMs: Date.now() - started,
    };
}

/** Session revocation, as credential rotation and incident response use it. */
export function revokeSessions(redis: Redis, options: Partial<SweepOptions> = {}): Promise<SweepResult> {
    return sweepKeys(redis, { ...options, pattern: options.pattern ?? "session:*" });
}
