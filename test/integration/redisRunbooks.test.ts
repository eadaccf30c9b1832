import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedis } from "../../ops/redis/connect";
import { applyCachePolicy } from "../../ops/redis/cachePolicy";
import { redisMaintenance } from "../../ops/redis/maintenance";
import { bgsaveAndWait } from "../../ops/redis/persistence";
import { restoreIntoLive } from "../../ops/redis/liveRestore";
import { restoreDrill } from "../../ops/redis/restoreDrill";
import { snapshotToFile } from "../../ops/redis/snapshot";
import { redisStats } from "../../ops/redis/stats";
import { fillKeys, type RedisServer, startRedisServer } from "../support/redisServer";

const PASSWORD = "runbook-test-password";

describe("Redis runbooks on a real server with 100,000 keys", () => {
    let server: RedisServer;
    let work: string;

    beforeAll(async () => {
        server = await startRedisServer({ password: PASSWORD });
        work = mkdtempSync(join(tmpdir(), "mcp-redis-runbooks-"));
        const seed = server.client();
        await fillKeys(seed, "session:", 50_000);
        await fillKeys(seed, "cache:", 49_000, (i) => `cached-value-${i}`.repeat(i % 50 === 0 ? 200 : 1));
        await seed.hset("profile:1", { name: "ada", role: "admin" });
        await seed.rpush("queue:jobs", "a", "b", "c");
        await seed.sadd("tags", "x", "y");
        await seed.zadd("scores", 1, "one", 2, "two");
        await fillKeys(seed, "user:", 996);
        await seed.expire("cache:1", 60);
    });
    afterAll(async () => {
        await server?.stop();
        rmSync(work, { recursive: true, force: true });
    });

    it("reports memory, hit rate, evictions, slowlog and the largest sampled keys", async () => {
        const redis = await connectRedis({ url: server.url });
        await redis.get("session:1");
        await redis.get("missing-key");
        const stats = await redisStats(redis, { sample: 300, top: 5 });
        redis.disconnect();
        expect(stats.role).toBe("master");
        expect(stats.keys).toEqual({ db0: 100_000 });
        expect(stats.usedMemoryBytes).toBeGreaterThan(1_000_000);
        expect(stats.hitRate).toBeGreaterThan(0);
        expect(stats.hitRate).toBeLessThan(1);
        expect(stats.largestKeys).toHaveLength(5);
        expect(stats.largestKeys[0].bytes).toBeGreaterThanOrEqual(stats.largestKeys[4].bytes);
        expect(stats.sampledKeys).toBeGreaterThan(250);
        expect(JSON.stringify(stats)).not.toContain(PASSWORD);
    });

    it("bounds the hot-key scan and says when it did not reach the end of the keyspace", async () => {
        const redis = await connectRedis({ url: server.url });
        const stats = await redisStats(redis, { sample: 10, top: 3, hotScan: 2_500 });
        redis.disconnect();
        expect(stats.hotKeys.by).toBe("recent-use");
        expect(stats.hotKeys.scannedKeys).toBe(2_500);
        expect(stats.hotKeys.complete).toBe(false);
        expect(stats.hotKeys.keys).toHaveLength(3);
        expect(stats.hotKeys.note).toContain("allkeys-lfu");
    });

    it("lists the most accessed keys under an LFU policy, read without counting as accesses", async () => {
        // A log factor of 0 makes every access count: the order below is exact, not probabilistic.
        const lfu = await startRedisServer({ args: ["--maxmemory-policy", "allkeys-lfu", "--lfu-log-factor", "0"] });
        try {
            const seed = lfu.client();
            await fillKeys(seed, "item:", 2_000);
            for (let i = 0; i < 60; i++) await seed.get("item:7");
            for (let i = 0; i < 30; i++) await seed.get("item:1999");
            for (let i = 0; i < 10; i++) await seed.get("item:500");
            const redis = await connectRedis({ url: lfu.url });
            const first = await redisStats(redis, { sample: 50, top: 3 });
            const again = await redisStats(redis, { sample: 50, top: 3 });
            redis.disconnect();
            expect(first.hotKeys).toMatchObject({ by: "access-frequency", scannedKeys: 2_000, complete: true });
            expect(first.hotKeys.note).toBeUndefined();
            expect(first.hotKeys.keys.map((k) => k.key)).toEqual(["item:7", "item:1999", "item:500"]);
            expect(first.hotKeys.keys[0].frequency).toBeGreaterThan(first.hotKeys.keys[1].frequency!);
            // Reading the counters (and the size sample) did not raise them.
            expect(again.hotKeys.keys).toEqual(first.hotKeys.keys);
        } finally {
            await lfu.stop();
        }
    });

    it("lists the most recently used keys under an LRU policy", async () => {
        const lru = await startRedisServer({ args: ["--maxmemory-policy", "allkeys-lru"] });
        try {
            const seed = lru.client();
            await fillKeys(seed, "item:", 300);
            // Idle time counts in whole seconds: let every key age past the one touched last.
            await new Promise((r) => setTimeout(r, 2_100));
            await seed.get("item:123");
            const redis = await connectRedis({ url: lru.url });
            const stats = await redisStats(redis, { sample: 20, top: 2 });
            redis.disconnect();
            expect(stats.hotKeys).toMatchObject({ by: "recent-use", scannedKeys: 300, complete: true });
            expect(stats.hotKeys.keys[0]).toEqual({ key: "item:123", idleSeconds: 0 });
            expect(stats.hotKeys.keys[1].idleSeconds).toBeGreaterThanOrEqual(2);
        } finally {
            await lru.stop();
        }
    });

    it("detects BGSAVE completion by LASTSAVE and status, waiting out a save already running", async () => {
        const busy = await startRedisServer();
        try {
            const admin = busy.client();
            await fillKeys(admin, "k:", 10_000);
            // The forked save inherits the delay; ours, forked after it is reset, runs at full speed.
            await admin.config("SET", "rdb-key-save-delay", "1");
            await admin.bgsave();
            await admin.config("SET", "rdb-key-save-delay", "0");
            const redis = await connectRedis({ url: busy.url });
            const before = await redis.lastsave();
            const result = await bgsaveAndWait(redis, { pollMs: 20 });
            expect(result.waitedForRunningSave).toBe(true);
            expect(result.lastSave).toBeGreaterThanOrEqual(before);
            expect((await redis.info("persistence")).match(/rdb_last_bgsave_status:(\w+)/)?.[1]).toBe("ok");
            redis.disconnect();
        } finally {
            await busy.stop();
        }
    });

    it("schedules BGSAVE behind an AOF rewrite in progress and still detects its completion", async () => {
        const busy = await startRedisServer({ args: ["--appendonly", "yes"] });
        try {
            const admin = busy.client();
            await fillKeys(admin, "k:", 10_000);
            await admin.config("SET", "rdb-key-save-delay", "1");
            await admin.bgrewriteaof();
            await admin.config("SET", "rdb-key-save-delay", "0");
            expect((await admin.info("persistence")).match(/aof_rewrite_in_progress:(\d)/)?.[1]).toBe("1");
            const redis = await connectRedis({ url: busy.url });
            const progress: string[] = [];
            const result = await bgsaveAndWait(redis, { pollMs: 20, onProgress: (m) => progress.push(m) });
            expect(progress).toContain("BGSAVE scheduled after the AOF rewrite in progress");
            expect(result.lastSave).toBeGreaterThan(0);
            expect((await redis.info("persistence")).match(/rdb_last_bgsave_status:(\w+)/)?.[1]).toBe("ok");
            redis.disconnect();
        } finally {
            await busy.stop();
        }
    });

    it("reports a failed BGSAVE instead of waiting forever", async () => {
        // A server whose data directory disappears under it: the save's fork cannot write.
        const broken = await startRedisServer({ args: ["--enable-protected-configs", "yes"] });
        const doomed = mkdtempSync(join(tmpdir(), "mcp-redis-doomed-"));
        const admin = broken.client();
        await admin.set("k", "v");
        await admin.config("SET", "dir", doomed);
        rmSync(doomed, { recursive: true, force: true });
        const redis = await connectRedis({ url: broken.url });
        try {
            await expect(bgsaveAndWait(redis, { pollMs: 50, timeoutMs: 30_000 })).rejects.toThrow(
                /BGSAVE failed \(rdb_last_bgsave_status:err\); check the Redis log/,
            );
        } finally {
            redis.disconnect();
            await broken.stop();
        }
    });

    it("runs maintenance: verified save, AOF rewrite when AOF is on, memory purge, stats kept unless asked", async () => {
        const admin = server.client();
        await admin.config("SET", "appendonly", "yes");
        const redis = await connectRedis({ url: server.url });
        const report = await redisMaintenance(redis, { pollMs: 50 });
        expect(report.save.lastSave).toBeGreaterThan(0);
        expect(report.aof).toBe("rewritten");
        expect(report.memoryPurge).toMatch(/purged|not supported/);
        expect(report.statsReset).toBe(false);
        expect(Number((await redis.info("stats")).match(/keyspace_hits:(\d+)/)?.[1])).toBeGreaterThan(0);
        await admin.config("SET", "appendonly", "no");
        expect((await redisMaintenance(redis, { pollMs: 50, resetStats: true })).aof).toBe("skipped: appendonly is off");
        expect(Number((await redis.info("stats")).match(/keyspace_hits:(\d+)/)?.[1])).toBe(0);
        redis.disconnect();
    });

    it("previews and applies TTL rules that only ever shorten a key's life", async () => {
        const redis = await connectRedis({ url: server.url });
        const policy = { rules: [{ prefix: "cache:", ttlSeconds: 300 }], maxmemoryPolicy: "allkeys-lru" };
        const preview = await applyCachePolicy(redis, policy, { preview: true });
        // cache:1 already expires within 60 s, so 48,999 keys would change.
        expect(preview.rules).toEqual([{ prefix: "cache:", ttlSeconds: 300, matched: 49_000, changed: 48_999 }]);
        expect(preview.config).toEqual([{ parameter: "maxmemory-policy", from: "noeviction", to: "allkeys-lru" }]);
        expect(await redis.ttl("cache:2")).toBe(-1);

        const applied = await applyCachePolicy(redis, policy);
        expect(applied.rules[0]).toMatchObject({ matched: 49_000, changed: 48_999 });
        expect(await redis.ttl("cache:2")).toBeGreaterThan(290);
        expect(await redis.ttl("cache:1")).toBeLessThanOrEqual(60);
        expect(await redis.ttl("session:1")).toBe(-1);
        expect(((await redis.config("GET", "maxmemory-policy")) as string[])[1]).toBe("allkeys-lru");
        expect((await applyCachePolicy(redis, policy, { preview: true })).rules[0].changed).toBe(0);
        redis.disconnect();
    });

    it("copies an RDB snapshot and proves it in a restore drill", async () => {
        const redis = await connectRedis({ url: server.url });
        const file = join(work, "redis.rdb");
        const manifest = await snapshotToFile(redis, { url: server.url }, file, { sample: 100 });
        const keys = Number((await redis.info("keyspace")).match(/keys=(\d+)/)?.[1]);
        redis.disconnect();
        expect(manifest.keyspace.db0).toBe(keys);
        expect(manifest.bytes).toBeGreaterThan(1_000_000);
        expect(readFileSync(file).subarray(0, 5).toString()).toBe("REDIS");
        expect(manifest.sample.length).toBeGreaterThan(80);
        expect(JSON.stringify(manifest)).not.toContain(PASSWORD);

        const drill = await restoreDrill(file);
        expect(drill).toMatchObject({ ok: true, checksumMatches: true, keyspace: { matches: true, restored: { db0: keys } } });
        expect(drill.sample.matched).toBe(drill.sample.checked);
    });

    it("fails the drill when the snapshot does not match its manifest", async () => {
        const file = join(work, "redis.rdb");
        const manifest = JSON.parse(readFileSync(`${file}.json`, "utf8"));
        manifest.sample[0].digest = "0".repeat(64);
        manifest.keyspace.db0 += 1;
        writeFileSync(`${file}.json`, JSON.stringify(manifest));
        const drill = await restoreDrill(file);
        expect(drill.ok).toBe(false);
        expect(drill.keyspace.matches).toBe(false);
        expect(drill.sample.mismatched).toEqual([manifest.sample[0].key]);
    });

    it("refuses a drill without a file or manifest, naming what to do", async () => {
        await expect(restoreDrill(join(work, "nope.rdb"))).rejects.toThrow(
            /nope\.rdb does not exist; pass the path of an RDB written by mcp-ops redis backup/,
        );
        writeFileSync(join(work, "bare.rdb"), "REDIS");
        await expect(restoreDrill(join(work, "bare.rdb"))).rejects.toThrow(/bare\.rdb\.json \(the snapshot's manifest\) is missing/);
    });

    it("restores a snapshot into the live store: every key as it was with its TTL, keys added since removed, checked after", async () => {
        const file = join(work, "redis.rdb");
        const redis = await connectRedis({ url: server.url });
        const other = await connectRedis({ url: server.url, db: 1 });
        try {
            const [sessionBefore, keysBefore] = [await redis.get("session:1"), await redis.dbsize()];
            await redis.set("session:1", "tampered");
            await redis.del("profile:1");
            await fillKeys(redis, "junk:", 500);
            await other.set("only-live", "x");
            const restored = await restoreIntoLive(file, { url: server.url });
            expect(restored.ok).toBe(true);
            expect(restored.databases.db0).toMatchObject({ removed: 500, liveKeys: keysBefore, snapshotKeys: keysBefore });
            expect(restored.databases.db0.restored).toBe(keysBefore);
            expect(restored.databases.db1).toEqual({ restored: 0, removed: 1, liveKeys: 0, snapshotKeys: 0 });
            expect(restored.sample.mismatched).toEqual([]);
            expect(await redis.get("session:1")).toBe(sessionBefore);
            expect(await redis.hgetall("profile:1")).toEqual({ name: "ada", role: "admin" });
            expect(await redis.exists("junk:1")).toBe(0);
            // The TTL the key had when the snapshot was taken, less the time since.
            const ttl = await redis.pttl("cache:1");
            expect(ttl).toBeGreaterThan(0);
            expect(ttl).toBeLessThanOrEqual(60_000);
            expect(JSON.stringify(restored)).not.toContain(PASSWORD);
        } finally {
            redis.disconnect();
            other.disconnect();
        }
    }, 120_000);

    it("proves a snapshot without a manifest by loading it, and refuses a damaged one before touching the store", async () => {
        const bare = join(work, "scheduled.rdb");
        writeFileSync(bare, readFileSync(join(work, "redis.rdb")));
        const drill = await restoreDrill(bare, { requireManifest: false });
        expect(drill).toMatchObject({ ok: true, keyspace: { restored: { db0: 100_000 } } });
        expect(drill.checksumMatches).toBeUndefined();

        const damaged = readFileSync(bare);
        damaged[Math.floor(damaged.length / 2)] ^= 0xff;
        writeFileSync(bare, damaged);
        const redis = await connectRedis({ url: server.url });
        try {
            await redis.set("canary", "untouched");
            await expect(restoreIntoLive(bare, { url: server.url })).rejects.toThrow(/scheduled\.rdb does not load in redis-server: .*/);
            await expect(restoreDrill(bare, { requireManifest: false })).rejects.toThrow(/does not load in redis-server/);
            expect(await redis.get("canary")).toBe("untouched");
        } finally {
            redis.disconnect();
        }
    }, 120_000);
});
