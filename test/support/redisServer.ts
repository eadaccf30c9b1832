import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import Redis from "ioredis";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startScratchRedis } from "../../ops/redis/scratchServer";

export interface RedisServer {
    port: number;
    password?: string;
    dir: string;
    /** redis://:password@127.0.0.1:port */
    url: string;
    client(db?: number): Redis;
    stop(): Promise<void>;
}

/**
 * Starts a real redis-server on a free loopback port with its own temporary directory.
 * `stop()` shuts it down and removes the directory.
 */
export async function startRedisServer(
    options: { password?: string; args?: string[]; tls?: { certFile: string; keyFile: string; caFile: string } } = {},
): Promise<RedisServer> {
    const dir = mkdtempSync(join(tmpdir(), "mcp-redis-"));
    const scratch = await startScratchRedis({
        dir,
        password: options.password,
        args: options.args,
        tls: options.tls,
        startTimeoutMs: 10_000,
    }).catch((error) => {
        rmSync(dir, { recursive: true, force: true });
        throw error;
    });
    const clients: Redis[] = [];
    return {
        port: scratch.port,
        password: options.password,
        dir,
        url: `redis://${options.password ? `:${options.password}@` : ""}127.0.0.1:${scratch.port}`,
        client(db = 0) {
            const c = new Redis({
                host: "127.0.0.1",
                port: scratch.port,
                password: options.password,
                db,
                maxRetriesPerRequest: 2,
                tls: options.tls ? { ca: readFileSync(options.tls.caFile) } : undefined,
            });
            c.on("error", () => undefined);
            clients.push(c);
            return c;
        },
        async stop() {
            for (const c of clients) c.disconnect();
            await scratch.stop();
            rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** Writes `count` string keys `${prefix}${i}` in pipelined chunks. */
export async function fillKeys(redis: Redis, prefix: string, count: number, value = (i: number) => `v${i}`): Promise<void> {
    const chunk = 10_000;
    for (let start = 0; start < count; start += chunk) {
        const pipeline = redis.pipeline();
        for (let i = start; i < Math.min(count, start + chunk); i++) pipeline.set(`${prefix}${i}`, value(i));
        await pipeline.exec();
    }
}

/** Exact number of keys matching a pattern, counted with SCAN (the tests' own referee). */
export async function countKeys(redis: Redis, pattern: string): Promise<number> {
    const seen = new Set<string>();
    let cursor = "0";
    do {
        const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 5000);
        for (const k of keys) seen.add(k);
        cursor = next;
    } while (cursor !== "0");
    return seen.size;
}
