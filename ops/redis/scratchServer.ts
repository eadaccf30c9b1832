import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import Redis from "ioredis";
import { createServer } from "node:net";
import { join } from "node:path";
import { UnavailableError } from "../errors";

export interface ScratchRedis {
    port: number;
    dir: string;
    stop(): Promise<void>;
}

export interface ScratchRedisOptions {
    /** Working directory (RDB, log). */
    dir: string;
    dbfilename?: string;
    password?: string;
    args?: string[];
    /** Serve TLS only, with this certificate and key (PEM files) and CA. Default: plain TCP. */
    tls?: { certFile: string; keyFile: string; caFile: string };
    /** How long loading may take. Default 120000. */
    startTimeoutMs?: number;
}

/** A free TCP port on loopback, picked by the kernel. */
export function freeLoopbackPort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port"))));
        });
    });
}

function redisServerBinary(): string {
    try {
        return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim();
    } catch {
        throw new UnavailableError(
            "redis-server is not installed here; install it (Debian: apt-get install redis-server) to run a restore drill",
        );
    }
}

/**
 * Starts a private redis-server on a free loopback port (no persistence of its own) and waits
 * until it accepts commands and has finished loading any RDB in `dir`.
 */
export async function startScratchRedis(options: ScratchRedisOptions): Promise<ScratchRedis> {
    const port = await freeLoopbackPort();
    const listen = options.tls
        ? [
              "--port",
              "0",
              "--tls-port",
              String(port),
              "--tls-cert-file",
              options.tls.certFile,
              "--tls-key-file",
              options.tls.keyFile,
              "--tls-ca-cert-file",
              options.tls.caFile,
              "--tls-auth-clients",
              "no",
          ]
        : ["--port", String(port)];
    const args = [
        ...listen,
        "--bind",
        "127.0.0.1",
        "--dir",
        options.dir,
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--logfile",
        join(options.dir, "redis.log"),
    ];
    if (options.dbfilename) args.push("--dbfilename", options.dbfilename);
    if (options.password) args.push("--requirepass", options.password);
    args.push(...(options.args ?? []));
    const child: ChildProcess = spawn(redisServerBinary(), args, { stdio: "ignore" });
    const stop = async () => {
        if (child.exitCode === null) {
            child.kill("SIGTERM");
            await new Promise((resolve) => child.once("exit", resolve));
        }
    };
    const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
    for (;;) {
        const probe = new Redis({
            host: "127.0.0.1",
            port,
            password: options.password,
            lazyConnect: true,
            retryStrategy: () => null,
            maxRetriesPerRequest: 0,
            tls: options.tls ? { ca: readFileSync(options.tls.caFile) } : undefined,
        });
        probe.on("error", () => undefined);
        try {
            await probe.connect();
            const loading = (await probe.info("persistence")).includes("loading:1");
            probe.disconnect();
            if (!loading) return { port, dir: options.dir, stop };
        } catch {
            probe.disconnect();
        }
        if (child.exitCode !== null || Date.now() > deadline) {
            await stop();
            throw new UnavailableError(`scratch redis-server on port ${port} did not become ready; see ${join(options.dir, "redis.log")}`);
        }
        await new Promise((r) => setTimeout(r, 50));
    }
}
