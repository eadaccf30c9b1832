import type Redis from "ioredis";

/**
 * The most accessed keys, as `redis-cli --hotkeys` finds them, but bounded: a SCAN that stops after
 * `limit` keys, each batch's counters read in one pipeline.
 *
 * Redis counts accesses only under an LFU policy (`OBJECT FREQ`, a logarithmic counter that decays
 * while a key is idle). Under any other policy the nearest thing it keeps is the time since a key's
 * last access (`OBJECT IDLETIME`): the report then lists the most recently used keys and says so.
 * Neither command counts as an access, so reading them changes nothing they measure.
 */
export interface HotKeys {
    by: "access-frequency" | "recent-use";
    /** Hottest first: highest LFU counter, or lowest idle time. */
    keys: Array<{ key: string; frequency?: number; idleSeconds?: number }>;
    scannedKeys: number;
    /** False when the scan stopped at its limit before the end of the keyspace. */
    complete: boolean;
    /** Why the report is recency and how to get frequencies; absent under an LFU policy. */
    note?: string;
}

const SCAN_BATCH = 1000;

export async function hotKeys(redis: Redis, policy: string, options: { limit?: number; top?: number } = {}): Promise<HotKeys> {
    const limit = options.limit ?? 10_000;
    const top = options.top ?? 10;
    const byFrequency = policy.endsWith("-lfu");
    const measured: Array<{ key: string; score: number }> = [];
    let cursor = "0";
    let scanned = 0;
    let complete = false;
    while (scanned < limit && !complete) {
        const [next, keys] = await redis.scan(cursor, "COUNT", Math.min(SCAN_BATCH, limit - scanned));
        cursor = next;
        complete = next === "0";
        const batch = keys.slice(0, limit - scanned);
        // SCAN may return more than COUNT: what is left of a batch cut at the limit was not read.
        if (batch.length < keys.length) complete = false;
        scanned += batch.length;
        const reads = redis.pipeline();
        for (const key of batch) reads.call("OBJECT", byFrequency ? "FREQ" : "IDLETIME", key);
        const results = (await reads.exec()) ?? [];
        results.forEach(([error, value], i) => {
            // A key deleted or expired between SCAN and OBJECT has no counter: it is simply not hot.
            if (!error && value !== null) measured.push({ key: batch[i], score: Number(value) });
        });
    }
    measured.sort((a, b) => (byFrequency ? b.score - a.score : a.score - b.score));
    const keys = measured.slice(0, top).map(({ key, score }) => (byFrequency ? { key, frequency: score } : { key, idleSeconds: score }));
    return {
        by: byFrequency ? "access-frequency" : "recent-use",
        keys,
        scannedKeys: scanned,
        complete,
        ...(byFrequency
            ? {}
            : {
                  note:
                      `maxmemory-policy ${policy} keeps no access counts, so these are the most recently used keys; ` +
                      "access frequencies need an LFU policy (mcp:redis.maxmemoryPolicy: allkeys-lfu)",
              }),
    };
}
