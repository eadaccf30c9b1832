import type Redis from "ioredis";
import type { Status } from "./status";
import { connectRedis, info, type RedisTarget } from "../redis/connect";

export interface RedisHealth {
    status: Status;
    latencyMs: number;
    role?: string;
    usedMemoryBytes?: number;
    maxmemoryBytes?: number;
    loading?: boolean;
    lastSaveOk?: boolean;
    aofOk?: boolean;
    reasons: string[];
}

/**
 * PING, role, memory and persistence state. UNHEALTHY when unreachable or still loading;
 * DEGRADED when the last save or AOF rewrite failed or memory is above 90% of maxmemory.
 */
export async function checkRedisHealth(target: RedisTarget): Promise<RedisHealth> {
    const start = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e6;
    let redis: Redis | undefined;
    try {
        redis = await connectRedis({ connectTimeoutMs: 3000, ...target });
        const [replication, memory, persistence] = await Promise.all([
            info(redis, "replication"),
            info(redis, "memory"),
            info(redis, "persistence"),
        ]);
        const used = Number(memory.used_memory ?? 0);
        const max = Number(memory.maxmemory ?? 0);
        const health: RedisHealth = {
            status: "HEALTHY",
            latencyMs: elapsed(),
            role: replication.role,
            usedMemoryBytes: used,
            maxmemoryBytes: max,
            loading: persistence.loading === "1",
            lastSaveOk: persistence.rdb_last_bgsave_status === "ok",
            aofOk: persistence.aof_last_bgrewrite_status === "ok",
            reasons: [],
        };
        if (!health.lastSaveOk) health.reasons.push("the last RDB save failed");
        if (!health.aofOk) health.reasons.push("the last AOF rewrite failed");
        if (max > 0 && used > 0.9 * max) health.reasons.push(`memory at ${Math.round((100 * used) / max)}% of maxmemory`);
        if (health.reasons.length > 0) health.status = "DEGRADED";
        return health;
    } catch (error) {
        return { status: "UNHEALTHY", latencyMs: elapsed(), reasons: [(error as Error).message] };
    } finally {
        redis?.disconnect();
    }
}
