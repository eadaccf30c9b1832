import type Redis from "ioredis";
import { info } from "./connect";
import { type HotKeys, hotKeys } from "./hotKeys";

export interface SlowCommand {
    id: number;
    at: string;
    durationMicros: number;
    /** Command name and first argument only: later arguments may hold values or credentials. */
    command: string;
}

export interface RedisStats {
    role: string;
    version: string;
    usedMemoryBytes: number;
    maxmemoryBytes: number;
    maxmemoryPolicy: string;
    fragmentationRatio: number;
    /** Hits / (hits + misses), or null before any lookup. */
    hitRate: number | null;
    keyspaceHits: number;
    keyspaceMisses: number;
    evictedKeys: number;
    expiredKeys: number;
    connectedClients: number;
    /** Keys per database, e.g. {db0: 1200}. */
    keys: Record<string, number>;
    slowlog: SlowCommand[];
    /** Largest keys among a random sample (MEMORY USAGE), biggest first. */
    largestKeys: Array<{ key: string; bytes: number }>;
    sampledKeys: number;
    /** The most accessed keys (LFU policies), else the most recently used: a bounded SCAN. */
    hotKeys: HotKeys;
}

/** Commands whose first argument is itself sensitive. */
const SENSITIVE = new Set(["AUTH", "HELLO", "MIGRATE", "ACL", "CONFIG"]);

export interface StatsOptions {
    /** Random keys sampled for their size. */
    sample?: number;
    /** Keys listed as largest and as hottest. */
    top?: number;
    slowlog?: number;
    /** Keys the hot-key scan reads at most. */
    hotScan?: number;
}

export async function redisStats(redis: Redis, options: StatsOptions = {}): Promise<RedisStats> {
    const [server, memory, stats, clients, keyspace, replication] = await Promise.all(
        ["server", "memory", "stats", "clients", "keyspace", "replication"].map((s) => info(redis, s)),
    );
    const num = (v: string | undefined) => Number(v ?? 0);
    const hits = num(stats.keyspace_hits);
    const misses = num(stats.keyspace_misses);
    const keys: Record<string, number> = {};
    for (const [db, line] of Object.entries(keyspace)) keys[db] = Number(/keys=(\d+)/.exec(line)?.[1] ?? 0);

    const rawSlowlog = (await redis.call("SLOWLOG", "GET", String(options.slowlog ?? 10))) as Array<[number, number, number, string[]]>;
    const slowlog = rawSlowlog.map(([id, at, durationMicros, args]) => {
        const name = String(args[0] ?? "").toUpperCase();
        const first = SENSITIVE.has(name) || args.length < 2 ? "" : ` ${String(args[1]).slice(0, 64)}`;
        return { id, at: new Date(at * 1000).toISOString(), durationMicros, command: `${name}${first}` };
    });

    const top = options.top ?? 10;
    const { largestKeys, sampledKeys } = await sampleLargestKeys(redis, options.sample ?? 500, top);
    const policy = memory.maxmemory_policy ?? "unknown";
    return {
        role: replication.role ?? "unknown",
        version: server.redis_version ?? "unknown",
        usedMemoryBytes: num(memory.used_memory),
        maxmemoryBytes: num(memory.maxmemory),
        maxmemoryPolicy: policy,
        fragmentationRatio: num(memory.mem_fragmentation_ratio),
        hitRate: hits + misses === 0 ? null : hits / (hits + misses),
        keyspaceHits: hits,
        keyspaceMisses: misses,
        evictedKeys: num(stats.evicted_keys),
        expiredKeys: num(stats.expired_keys),
        connectedClients: num(clients.connected_clients),
        keys,
        slowlog,
        largestKeys,
        sampledKeys,
        hotKeys: await hotKeys(redis, policy, { limit: options.hotScan, top }),
    };
}

/** RANDOMKEY then MEMORY USAGE, pipelined: bounded work however large the keyspace is. */
async function sampleLargestKeys(redis: Redis, sample: number, top: number) {
    const randomKeys = redis.pipeline();
    for (let i = 0; i < sample; i++) randomKeys.randomkey();
    const keys = [...new Set(((await randomKeys.exec()) ?? []).map(([, k]) => k as string | null).filter((k): k is string => k !== null))];
    const usage = redis.pipeline();
    for (const key of keys) usage.call("MEMORY", "USAGE", key);
    const sizes = ((await usage.exec()) ?? []).map(([, bytes], i) => ({ key: keys[i], bytes: Number(bytes ?? 0) }));
    return { largestKeys: sizes.sort((a, b) => b.bytes - a.bytes).slice(0, top), sampledKeys: keys.length };
}
