import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { RedisExporter } from "../../components/redisExporter";
import { declareComponent, noTraffic, secretRef } from "../support/component";
import { K8S } from "../support/platform";
import { freePort } from "../support/ports";
import { parsePromText, type Sample, valueOf } from "../support/promText";
import { type RedisServer, startRedisServer } from "../support/redisServer";

/**
 * The real redis_exporter (Debian's prometheus-redis-exporter, which scripts/ensure-system-packages.sh
 * installs) started with the args and env its Deployment declares, against a real redis-server, all
 * on loopback. It proves the contract the alerts and the probes rely on: REDIS_ADDR and REDIS_PASSWORD
 * are read, redis_up and redis_memory_max_bytes mean what the rules say, and /health never asks Redis.
 */

const EXPORTER = "prometheus-redis-exporter";
const PASSWORD = "exporter-test-password";
/** Every wait is bounded: a hung exporter fails the test instead of holding the run. */
const WAIT_MS = 15_000;

function exporterBinary(): string {
    try {
        return execFileSync("sh", ["-c", `command -v ${EXPORTER}`], { encoding: "utf8" }).trim();
    } catch {
        throw new Error(`${EXPORTER} is not installed; run bash scripts/ensure-system-packages.sh (Debian's prometheus-redis-exporter)`);
    }
}

type DeclaredContainer = {
    args: string[];
    env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }>;
};

/** The exporter's container as the component declares it for a Redis at 127.0.0.1:port. */
async function declaredContainer(redisPort: number): Promise<DeclaredContainer> {
    const d = await declareComponent(
        () =>
            new RedisExporter("redis-exporter", {
                namespace: "ns",
                image: "oliver006/redis_exporter:v1.78.0",
                host: "127.0.0.1",
                port: redisPort,
                password: secretRef("redis-password"),
                scheme: "redis",
                traffic: noTraffic,
            }),
    );
    return d.one(K8S.deployment).inputs.spec.template.spec.containers[0];
}

interface RunningExporter {
    url: string;
    process: ChildProcess;
    metrics(): Promise<Sample[]>;
    stop(): Promise<void>;
}

const running: RunningExporter[] = [];
const servers: RedisServer[] = [];

/** Starts the exporter as declared, the Secret's value given for its secretKeyRef, listening on a loopback port of its own. */
async function startExporter(container: DeclaredContainer, password: string): Promise<RunningExporter> {
    const port = await freePort();
    const env: Record<string, string> = {};
    for (const e of container.env) env[e.name] = e.valueFrom ? password : e.value!;
    // The pod listens on every address of its own network; here the process shares the machine's, so loopback only.
    const args = container.args.map((a) => (a.startsWith("--web.listen-address=") ? `--web.listen-address=127.0.0.1:${port}` : a));
    const child = spawn(exporterBinary(), args, { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const url = `http://127.0.0.1:${port}`;
    const exporter: RunningExporter = {
        url,
        process: child,
        metrics: async () => parsePromText(await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(WAIT_MS) })).text()),
        stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
            await exited;
            clearTimeout(timer);
        },
    };
    running.push(exporter);
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
        if (child.exitCode !== null) throw new Error(`${EXPORTER} exited with ${child.exitCode}:\n${output}`);
        const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) }).then(
            (r) => r.ok,
            () => false,
        );
        if (ok) return exporter;
        if (Date.now() > deadline) throw new Error(`${EXPORTER} did not answer /health within ${WAIT_MS} ms:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

async function redisWithMaxmemory(maxmemory: string): Promise<RedisServer> {
    const server = await startRedisServer({ password: PASSWORD, args: ["--maxmemory", maxmemory] });
    servers.push(server);
    return server;
}

describe("redis_exporter as its Deployment declares it, against a real Redis", () => {
    afterAll(async () => {
        for (const exporter of running) await exporter.stop();
        for (const server of servers) await server.stop();
        expect(running.filter((e) => e.process.exitCode === null && e.process.signalCode === null)).toEqual([]);
    });

    it("logs in with REDIS_PASSWORD and reports redis_up 1 and the server's maxmemory as redis_memory_max_bytes", async () => {
        const redis = await redisWithMaxmemory("64mb");
        const client = redis.client();
        await client.set("session:1", "x".repeat(10_000));
        const [, maxmemory] = (await client.config("GET", "maxmemory")) as [string, string];
        expect(Number(maxmemory)).toBe(64 * 1024 * 1024);

        const exporter = await startExporter(await declaredContainer(redis.port), PASSWORD);
        const samples = await exporter.metrics();
        expect(valueOf(samples, "redis_up")).toBe(1);
        expect(valueOf(samples, "redis_memory_max_bytes")).toBe(Number(maxmemory));
        // The numerator of McpRedisMemoryHigh: what Redis itself reports in INFO's used_memory.
        const used = valueOf(samples, "redis_memory_used_bytes")!;
        expect(used).toBeGreaterThan(10_000);
        expect(used).toBeLessThan(Number(maxmemory));
    });

    it("reports redis_up 0 when its password is refused, and /health still answers", async () => {
        const redis = await redisWithMaxmemory("32mb");
        const exporter = await startExporter(await declaredContainer(redis.port), "not-the-password");
        expect(valueOf(await exporter.metrics(), "redis_up")).toBe(0);
        expect(await (await fetch(`${exporter.url}/health`, { signal: AbortSignal.timeout(WAIT_MS) })).text()).toBe("ok");
    });

    it("keeps /health answering while Redis is down, so the probes never restart it for Redis's outage", async () => {
        const redis = await redisWithMaxmemory("32mb");
        const exporter = await startExporter(await declaredContainer(redis.port), PASSWORD);
        expect(valueOf(await exporter.metrics(), "redis_up")).toBe(1);
        await redis.stop();
        servers.splice(servers.indexOf(redis), 1);
        expect(valueOf(await exporter.metrics(), "redis_up")).toBe(0);
        const health = await fetch(`${exporter.url}/health`, { signal: AbortSignal.timeout(WAIT_MS) });
        expect([health.status, await health.text()]).toEqual([200, "ok"]);
    });
});
