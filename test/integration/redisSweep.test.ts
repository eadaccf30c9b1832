import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedis, explainRedisError } from "../../ops/redis/connect";
import { revokeSessions, sweepKeys } from "../../ops/redis/sweep";
import { freePort } from "../support/ports";
import { countKeys, fillKeys, type RedisServer, startRedisServer } from "../support/redisServer";

describe("session revocation on a real Redis", () => {
    let server: RedisServer;

    beforeAll(async () => {
        server = await startRedisServer({ password: "test-password-1" });
    });
    afterAll(async () => server?.stop());

    it("deletes exactly the matching keys while a concurrent writer loses nothing", async () => {
        const seed = server.client();
        await seed.flushall();
        await fillKeys(seed, "session:", 60_000);
        await fillKeys(seed, "cache:", 40_000);
        await fillKeys(seed, "sessions-archive:", 1_000); // shares a prefix with the pattern but must survive
        expect(await countKeys(seed, "*")).toBe(101_000);

        // A writer keeps adding keys outside the pattern during the whole sweep.
        const writer = server.client();
        let written = 0;
        let writing = true;
        const writes = (async () => {
            while (writing) {
                const pipeline = writer.pipeline();
                for (let i = 0; i < 100; i++) pipeline.set(`live:${written + i}`, "x");
                await pipeline.exec();
                written += 100;
            }
        })();

        const redis = await connectRedis({ url: server.url });
        const progress: number[] = [];
        const result = await revokeSessions(redis, { count: 500, onProgress: (p) => progress.push(p.deleted) });
        writing = false;
        await writes;
        redis.disconnect();

        expect(result).toMatchObject({ pattern: "session:*", preview: false, matched: 60_000, deleted: 60_000 });
        expect(progress.length).toBeGreaterThan(10);
        expect(await countKeys(seed, "session:*")).toBe(0);
        expect(await countKeys(seed, "cache:*")).toBe(40_000);
        expect(await countKeys(seed, "sessions-archive:*")).toBe(1_000);
        expect(written).toBeGreaterThan(0);
        expect(await countKeys(seed, "live:*")).toBe(written);
    });

    it("counts without deleting in preview", async () => {
        const seed = server.client();
        await seed.flushall();
        await fillKeys(seed, "session:", 5_000);
        const redis = await connectRedis({ url: server.url });
        const result = await sweepKeys(redis, { pattern: "session:*", preview: true });
        redis.disconnect();
        expect(result).toMatchObject({ preview: true, matched: 5_000, deleted: 0 });
        expect(await countKeys(seed, "session:*")).toBe(5_000);
    });

    it("sweeps only the chosen database", async () => {
        const db0 = server.client(0);
        const db2 = server.client(2);
        await db0.flushall();
        await fillKeys(db0, "session:", 1_000);
        await fillKeys(db2, "session:", 2_000);
        const redis = await connectRedis({ url: server.url, db: 2 });
        const result = await revokeSessions(redis);
        redis.disconnect();
        expect(result.deleted).toBe(2_000);
        expect(await countKeys(db0, "session:*")).toBe(1_000);
        expect(await countKeys(db2, "session:*")).toBe(0);
    });

    it("refuses a pattern that would sweep the whole keyspace, before touching anything", async () => {
        const seed = server.client();
        await seed.flushall();
        await fillKeys(seed, "session:", 10);
        const redis = await connectRedis({ url: server.url });
        await expect(sweepKeys(redis, { pattern: "*" })).rejects.toThrow(
            '--pattern "*" would match every key; name a literal prefix such as "session:*"',
        );
        redis.disconnect();
        expect(await countKeys(seed, "*")).toBe(10);
    });

    it("stops at its deadline and says how to continue", async () => {
        const seed = server.client();
        await seed.flushall();
        await fillKeys(seed, "session:", 20_000);
        const redis = await connectRedis({ url: server.url });
        await expect(sweepKeys(redis, { pattern: "session:*", count: 10, timeoutMs: 1 })).rejects.toThrow(
            /stopped at its deadline after deleting \d+ keys; run it again to continue/,
        );
        redis.disconnect();
    });
});

describe("connection faults", () => {
    it("names an unreachable server and how to reach it", async () => {
        const port = await freePort();
        await expect(connectRedis({ host: "127.0.0.1", port, connectTimeoutMs: 1000 })).rejects.toThrow(
            new RegExp(`Redis at 127\\.0\\.0\\.1:${port} is unreachable .*; check the address and that this machine may connect to it`),
        );
    });

    it("says the password was rejected without printing it", async () => {
        const server = await startRedisServer({ password: "right-password" });
        try {
            const attempt = connectRedis({ host: "127.0.0.1", port: server.port, password: "wrong-password" });
            await expect(attempt).rejects.toThrow(
                `Redis at 127.0.0.1:${server.port} rejected the password; use the current value of the redis-password secret (it may ` +
                    `have been rotated)`,
            );
            await attempt.catch((e: Error) => expect(e.message).not.toContain("wrong-password"));
            await expect(connectRedis({ host: "127.0.0.1", port: server.port })).rejects.toThrow(/requires a password/);
        } finally {
            await server.stop();
        }
    });

    it("says when Redis is still loading its dataset", async () => {
        // A snapshot of 20,000 keys, loaded with a per-key delay and answering clients every KiB, so
        // the loading phase is observable.
        const source = await startRedisServer();
        await fillKeys(source.client(), "k:", 20_000);
        await source.client().save();
        const dir = mkdtempSync(join(tmpdir(), "mcp-redis-loading-"));
        copyFileSync(join(source.dir, "dump.rdb"), join(dir, "dump.rdb"));
        await source.stop();
        const port = await freePort();
        const child = spawn(
            "redis-server",
            [
                "--port",
                String(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                dir,
                "--save",
                "",
                "--key-load-delay",
                "200",
                "--loading-process-events-interval-bytes",
                "1024",
            ],
            { stdio: "ignore" },
        );
        try {
            const message = await (async () => {
                for (let i = 0; i < 100; i++) {
                    const attempt = await connectRedis({ host: "127.0.0.1", port, connectTimeoutMs: 500 }).then(
                        (r) => {
                            r.disconnect();
                            return "connected";
                        },
                        (e: Error) => e.message,
                    );
                    if (!/unreachable/.test(attempt)) return attempt;
                    await new Promise((r) => setTimeout(r, 20));
                }
                return "never reachable";
            })();
            expect(message).toBe(
                `Redis at 127.0.0.1:${port} is still loading its dataset into memory; retry when INFO persistence shows loading:0`,
            );
        } finally {
            child.kill("SIGKILL");
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("explains a read-only replica and an out-of-memory store", async () => {
        const primary = await startRedisServer();
        const replica = await startRedisServer({ args: ["--replicaof", "127.0.0.1", "1"] });
        try {
            const onReplica = await connectRedis({ host: "127.0.0.1", port: replica.port });
            const readOnly = await onReplica.set("k", "v").catch((e) => explainRedisError(e, "127.0.0.1:1"));
            expect(String(readOnly)).toMatch(/is a read-only replica; point the command at the primary/);
            onReplica.disconnect();

            const admin = primary.client();
            await admin.config("SET", "maxmemory", "1mb");
            await admin.config("SET", "maxmemory-policy", "noeviction");
            const oom = await admin.set("big", "x".repeat(2_000_000)).catch((e) => explainRedisError(e, "127.0.0.1:1"));
            expect(String(oom)).toMatch(/out of memory \(maxmemory reached with noeviction\)/);
        } finally {
            await replica.stop();
            await primary.stop();
        }
    });
});
