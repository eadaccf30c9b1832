import type { RedisStats } from "../redis/stats";

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Plain-text rendering of `mcp-ops redis stats`. */
export function renderStats(s: RedisStats): string {
    return [
        `role ${s.role}, Redis ${s.version}, ${s.connectedClients} clients`,
        `memory ${mib(s.usedMemoryBytes)} of ${s.maxmemoryBytes ? mib(s.maxmemoryBytes) : "no limit"} (${s.maxmemoryPolicy}), fragmentation ${s.fragmentationRatio.toFixed(2)}`,
        `hit rate ${s.hitRate === null ? "n/a" : `${(100 * s.hitRate).toFixed(1)}%`} (${s.keyspaceHits} hits, ${s.keyspaceMisses} misses), ${s.evictedKeys} evicted, ${s.expiredKeys} expired`,
        `keys ${Object.entries(s.keys).map(([db, n]) => `${db}=${n}`).join(" ") || "none"}`,
        `largest of ${s.sampledKeys} sampled keys:`,
        ...s.largestKeys.map((k) => `  ${String(k.bytes).padStart(10)} B  ${k.key}`),
        `slowlog (${s.slowlog.length}):`,
        ...s.slowlog.map((e) => `  ${e.at}  ${String(e.durationMicros).padStart(8)} us  ${e.command}`),
    ].join("\n");
}
