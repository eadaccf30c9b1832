import type Redis from "ioredis";
import { bgsaveAndWait, rewriteAofAndWait, type SaveResult, type WaitOptions } from "./persistence";

export interface MaintenanceOptions extends WaitOptions {
    /** CONFIG RESETSTAT at the end; off by default because it erases the hit-rate history. */
    resetStats?: boolean;
}

export interface MaintenanceReport {
    save: SaveResult;
    aof: string;
    memoryPurge: string;
    statsReset: boolean;
}

/**
 * The runbooks' database maintenance, safely: a verified BGSAVE first (the backup that makes
 * the rest safe), then an AOF rewrite when AOF is on, then MEMORY PURGE where the allocator
 * supports it. Expired keys are left to Redis's own active expiry: scanning and DELeting them
 * from a client only adds load.
 */
export async function redisMaintenance(redis: Redis, options: MaintenanceOptions = {}): Promise<MaintenanceReport> {
    const save = await bgsaveAndWait(redis, options);
    options.onProgress?.("snapshot saved; rewriting the AOF if it is on");
    const aof = await rewriteAofAndWait(redis, options);
    let memoryPurge: string;
    try {
        await redis.call("MEMORY", "PURGE");
        memoryPurge = "purged";
    } catch (error) {
        memoryPurge = `not supported here (${(error as Error).message.split("\n")[0]})`;
    }
    if (options.resetStats) await redis.config("RESETSTAT");
    return { save, aof, memoryPurge, statsReset: options.resetStats ?? false };
}
