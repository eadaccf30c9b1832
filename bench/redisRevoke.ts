/**
 * Benchmark: revoking 1,000,000 session keys among 2,000,000 others, SCAN + pipelined UNLINK
 * (what `mcp-ops redis revoke-sessions` does) against KEYS + DEL (what the old runbook did), on
 * the same data in the same run. Prints time taken and the worst PING latency a concurrent
 * client saw, and the ratios. Sizes can be lowered for a quick look: SESSIONS=100000 OTHERS=200000.
 */
import { mkdtempSync, rmSync } from "node:fs";
import Redis from "ioredis";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startScratchRedis } from "../ops/redis/scratchServer";
import { sweepKeys } from "../ops/redis/sweep";

const SESSIONS = Number(process.env.SESSIONS ?? 1_000_000);
const OTHERS = Number(process.env.OTHERS ?? 2_000_000);

async function fill(redis: Redis, prefix: string, count: number) {
    for (let start = 0; start < count; start += 20_000) {
        const args: string[] = [];
        for (let i = start; i < Math.min(count, start + 20_000); i++) args.push(`${prefix}${i}`, "x".repeat(32));
        await redis.mset(...args);
    }
}

/** Runs `work` while a second connection PINGs back to back; returns the work's time and the worst PING. */
async function measure(port: number, work: () => Promise<void>) {
    const pinger = new Redis({ host: "127.0.0.1", port });
    let running = true;
    let worstPingMs = 0;
    let pings = 0;
    const pinging = (async () => {
        while (running) {
            const start = process.hrtime.bigint();
            await pinger.ping();
            worstPingMs = Math.max(worstPingMs, Number(process.hrtime.bigint() - start) / 1e6);
            pings++;
        }
    })();
    const start = process.hrtime.bigint();
    await work();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    running = false;
    await pinging;
    pinger.disconnect();
    return { seconds, worstPingMs, pings };
}

async function main() {
    const dir = mkdtempSync(join(tmpdir(), "mcp-bench-redis-"));
    const server = await startScratchRedis({ dir });
    const redis = new Redis({ host: "127.0.0.1", port: server.port });
    try {
        console.log(`loading ${SESSIONS} session keys and ${OTHERS} other keys ...`);
        await fill(redis, "other:", OTHERS);
        await fill(redis, "session:", SESSIONS);

        const scan = await measure(server.port, async () => {
            const result = await sweepKeys(redis, { pattern: "session:*", count: 1000 });
            if (result.deleted !== SESSIONS) throw new Error(`SCAN+UNLINK deleted ${result.deleted}, expected ${SESSIONS}`);
        });

        await fill(redis, "session:", SESSIONS);
        const keys = await measure(server.port, async () => {
            const found = (await redis.keys("session:*")) as string[];
            let deleted = 0;
            for (let i = 0; i < found.length; i += 10_000) deleted += await redis.del(...found.slice(i, i + 10_000));
            if (deleted !== SESSIONS) throw new Error(`KEYS+DEL deleted ${deleted}, expected ${SESSIONS}`);
        });
        const remaining = await redis.dbsize();
        if (remaining !== OTHERS) throw new Error(`${remaining} keys left, expected ${OTHERS}`);

        const row = (name: string, m: typeof scan) =>
            `${name.padEnd(22)} ${m.seconds.toFixed(2).padStart(8)} s   worst PING ${m.worstPingMs.toFixed(1).padStart(8)} ms   ` +
            `(${m.pings} pings)`;
        console.log(`\nrevoking ${SESSIONS} sessions among ${OTHERS} other keys, redis-server on loopback`);
        console.log(row("SCAN + UNLINK (ours)", scan));
        console.log(row("KEYS + DEL (baseline)", keys));
        console.log(`ratio time    ours/baseline: ${(scan.seconds / keys.seconds).toFixed(2)}`);
        console.log(`ratio worst PING baseline/ours: ${(keys.worstPingMs / scan.worstPingMs).toFixed(1)}x lower with SCAN + UNLINK`);
    } finally {
        redis.disconnect();
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
    }
}

main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
});
