import type Redis from "ioredis";
import { OperationFailedError, OpsTimeoutError } from "../errors";
import { info } from "./connect";

export interface WaitOptions {
    /** Give up after this long. Default 900000 (15 minutes). */
    timeoutMs?: number;
    /** Poll interval. Default 200. */
    pollMs?: number;
    onProgress?: (message: string) => void;
}

export interface SaveResult {
    /** LASTSAVE after the save, Unix seconds. */
    lastSave: number;
    durationMs: number;
    /** A save already running was waited for before ours started. */
    waitedForRunningSave: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * BGSAVE with honest completion detection: a save already in progress is waited for first
 * (it started before the request, so it may miss recent writes); an AOF rewrite in progress
 * makes Redis schedule ours after it. Done means no save in progress, LASTSAVE moved past its
 * value from before the request (or the success counter rose, for a save in the same second),
 * and rdb_last_bgsave_status:ok.
 */
export async function bgsaveAndWait(redis: Redis, options: WaitOptions = {}): Promise<SaveResult> {
    const started = Date.now();
    const deadline = started + (options.timeoutMs ?? 900_000);
    const pollMs = options.pollMs ?? 200;
    const persistence = () => info(redis, "persistence");
    const checkDeadline = (what: string) => {
        if (Date.now() > deadline)
            throw new OpsTimeoutError(
                `${what} did not finish within ${options.timeoutMs ?? 900_000} ms; check INFO persistence and the Redis log`,
            );
    };

    let waitedForRunningSave = false;
    while ((await persistence()).rdb_bgsave_in_progress === "1") {
        waitedForRunningSave = true;
        options.onProgress?.("waiting for the save already in progress");
        checkDeadline("the save already in progress");
        await sleep(pollMs);
    }

    const before = await persistence();
    const lastSaveBefore = await redis.lastsave();
    const savesBefore = Number(before.rdb_saves ?? NaN);
    const reply = String(await redis.call("BGSAVE", "SCHEDULE"));
    let running = /started/i.test(reply);
    options.onProgress?.(running ? "BGSAVE started" : "BGSAVE scheduled after the AOF rewrite in progress");

    for (;;) {
        const now = await persistence();
        if (now.rdb_bgsave_in_progress === "1") {
            running = true;
        } else {
            const lastSave = await redis.lastsave();
            const moved = lastSave > lastSaveBefore || Number(now.rdb_saves ?? NaN) > savesBefore;
            if (running || moved) {
                if (now.rdb_last_bgsave_status !== "ok") {
                    throw new OperationFailedError(
                        `BGSAVE failed (rdb_last_bgsave_status:${now.rdb_last_bgsave_status}); check the Redis log for disk space and ` +
                            `permissions in its dir`,
                    );
                }
                if (moved || Number.isNaN(savesBefore)) return { lastSave, durationMs: Date.now() - started, waitedForRunningSave };
            }
        }
        checkDeadline("BGSAVE");
        await sleep(pollMs);
    }
}

/** BGREWRITEAOF when AOF is on, waited for and checked; reports "skipped" when AOF is off. */
export async function rewriteAofAndWait(redis: Redis, options: WaitOptions = {}): Promise<"rewritten" | "skipped: appendonly is off"> {
    const deadline = Date.now() + (options.timeoutMs ?? 900_000);
    if ((await info(redis, "persistence")).aof_enabled !== "1") return "skipped: appendonly is off";
    await redis.call("BGREWRITEAOF").catch((error: Error) => {
        // "already in progress" means one is running; waiting for it gives the same guarantee.
        if (!/already in progress/i.test(error.message)) throw error;
    });
    for (;;) {
        const p = await info(redis, "persistence");
        if (p.aof_rewrite_in_progress === "0" && p.aof_rewrite_scheduled === "0") {
            if (p.aof_last_bgrewrite_status !== "ok") {
                throw new OperationFailedError(
                    `AOF rewrite failed (aof_last_bgrewrite_status:${p.aof_last_bgrewrite_status}); check the Redis log`,
                );
            }
            return "rewritten";
        }
        if (Date.now() > deadline) throw new OpsTimeoutError("AOF rewrite did not finish in time; check INFO persistence");
        await sleep(options.pollMs ?? 200);
    }
}
