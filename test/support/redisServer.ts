import { ChildProcess, execFileSync, spawn } from "child_process";
import { mkdtempSync, rmSync } from "fs";
import Redis from "ioredis";
import { tmpdir } from "os";
import { join } from "path";
import { freePort } from "./ports";

export interface RedisServer {
    port: number;
    password?: string;
    dir: string;
    /** redis://:password@127.0.0.1:port */
    url: string;
    client(db?: number): Redis;
    stop(): Promise<void>;
}

function redisServerBinary(): string {
    try {
        return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim();
    } catch {
        throw new Error("redis-server is not installed; run: apt-get install -y redis-server (.ci/run does this)");
    }
}

/**
 * Starts a real redis-server on a free loopback port with its own temporary directory.
 * `stop()` shuts it down and removes the directory.
 */
export async function startRedisServer(options: { password?: string; args?: string[]; dbfilename?: string; dir?: string } = {}): Promise<RedisServer> {
    const port = await freePort();
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), "mcp-redis-"));
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", join(dir, "redis.log")];
    if (options.password) args.push("--requirepass", options.password);
    if (options.dbfilename) args.push("--dbfilename", options.dbfilename);
    args.push(...(options.args ?? []));
    const child: ChildProcess = spawn(redisServerBinary(), args, { stdio: "ignore" });
    const clients: Redis[] = [];
    const client = (db = 0) => {
        const c = new Redis({ host: "127.0.0.1", port, password: options.password, db, lazyConnect: false, maxRetriesPerRequest: 2 });
        c.on("error", () => undefined);
        clients.push(c);
        return c;
    };
    const server: RedisServer = {
        port,
        password: options.password,
        dir,
        url: `redis://${options.password ? `:${options.password}@` : ""}127.0.0.1:${port}`,
        client,
        async stop() {
            for (const c of clients) c.disconnect();
            child.kill("SIGTERM");
            await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve)));
            if (!options.dir) rmSync(dir, { recursive: true, force: true });
        },
    };
    const deadline = Date.now() + 10_000;
    for (;;) {
        const probe = new Redis({ host: "127.0.0.1", port, password: options.password, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
        probe.on("error", () => undefined);
        try {
            await probe.connect();
            const loading = (await probe.info("persistence")).includes("loading:1");
            probe.disconnect();
            if (!loading) return server;
        } catch {
            probe.disconnect();
        }
        if (child.exitCode !== null || Date.now() > deadline) {
            await server.stop();
            throw new Error(`redis-server on port ${port} did not start; see ${join(dir, "redis.log")}`);
        }
        await new Promise((r) => setTimeout(r, 50));
    }
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
