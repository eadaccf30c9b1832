import { existsSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { withScheduledBackup } from "../backups/scheduled";
import { InvalidInputError, VerificationFailedError } from "../errors";
import type { CommandContext } from "../commandLine/context";
import { inClusterAddress, type StoreAccessFlags, storePassword, withStoreAccess } from "../commandLine/storeAccess";
import { collect, numberOption } from "../commandLine/flags";
import { endProgress, print, progress, report } from "../commandLine/output";
import { applyCachePolicy, type TtlRule } from "../redis/cachePolicy";
import { describeTarget, type RedisTarget, withRedis } from "../redis/connect";
import { type LiveRestoreReport, restoreIntoLive } from "../redis/liveRestore";
import { redisMaintenance } from "../redis/maintenance";
import { assertDrillPassed, renderDrill } from "../redis/drillReport";
import { restoreDrill } from "../redis/restoreDrill";
import { snapshotToFile } from "../redis/snapshot";
import type { HotKeys } from "../redis/hotKeys";
import { type RedisStats, redisStats } from "../redis/stats";
import { assertNarrowPattern, revokeSessions } from "../redis/sweep";
import { redisTarget } from "../redis/target";

type RedisFlags = StoreAccessFlags & { db?: number };

/** `mcp-ops redis …`: the Redis runbooks, safe on a busy store (SCAN and UNLINK, never KEYS or FLUSH). */
export function define(redis: Command, ctx: CommandContext): void {
    const connected = (name: string, description: string) => withRedisFlags(redis.command(name).description(description));
    const target = (o: RedisFlags) => redisTargetOf(ctx, o);

    connected("stats", "memory, fragmentation, hit rate, evictions, slowlog, largest keys by sampling, hot keys by a bounded scan")
        .addOption(numberOption("--sample <n>", "random keys sampled for sizes").default(500))
        .addOption(numberOption("--hot-scan <n>", "keys scanned at most for access counts (LFU) or recency").default(10_000))
        .action(async (o: RedisFlags & { sample: number; hotScan: number }) => {
            const stats = await withRedis(await target(o), (r) => redisStats(r, { sample: o.sample, hotScan: o.hotScan }));
            print(o.json, stats, () => renderStats(stats));
        });

    connected("revoke-sessions", "delete session keys (credential rotation, incident response)")
        .option("--pattern <glob>", "keys to delete", "session:*")
        .addOption(numberOption("--count <n>", "SCAN COUNT per step").default(1000))
        .addOption(numberOption("--timeout <ms>", "stop after this long (rerun continues)").default(600_000))
        .option("--preview", "count what would be deleted, delete nothing", false)
        .option("--yes", "delete without asking (CI)", false)
        .action(async (o: RedisFlags & { pattern: string; count: number; timeout: number; preview: boolean; yes: boolean }) => {
            // Refused before connecting: a bad pattern touches nothing.
            assertNarrowPattern(o.pattern);
            const where = await target(o);
            const sweep = (preview: boolean) =>
                withRedis(where, (r) =>
                    revokeSessions(r, {
                        pattern: o.pattern,
                        preview,
                        count: o.count,
                        timeoutMs: o.timeout,
                        onProgress: (p) =>
                            progress(preview ? `counting: scanned ${p.scans} steps` : `scanned ${p.scans} steps, deleted ${p.deleted}`),
                    }),
                );
            if (!o.preview && !o.yes) {
                const counted = await sweep(true);
                endProgress();
                await ctx.confirm(`delete ${counted.matched} keys matching "${o.pattern}" (more may match by the time the sweep runs)`, o);
            }
            const result = await sweep(o.preview);
            endProgress();
            print(o.json, result, () =>
                result.preview
                    ? `preview: ${result.matched} keys match "${result.pattern}"; nothing was deleted`
                    : `deleted ${result.deleted} keys matching "${result.pattern}" in ${result.durationMs} ms`,
            );
        });

    connected("maintenance", "verified BGSAVE, AOF rewrite when AOF is on, MEMORY PURGE")
        .option("--reset-stats", "CONFIG RESETSTAT at the end (erases hit-rate history)", false)
        .action(async (o: RedisFlags & { resetStats: boolean }) => {
            const done = await withRedis(await target(o), (r) => redisMaintenance(r, { resetStats: o.resetStats, onProgress: progress }));
            endProgress();
            const saved = `snapshot saved (LASTSAVE ${new Date(done.save.lastSave * 1000).toISOString()}, ${done.save.durationMs} ms)`;
            print(o.json, done, () =>
                [saved, `AOF: ${done.aof}`, `memory: ${done.memoryPurge}`, `stats reset: ${done.statsReset}`].join("\n"),
            );
        });

    connected("cache-policy", "apply TTLs by key prefix (only ever shortening), eviction policy and maxmemory from config")
        .option("--rule <prefix=seconds>", "a TTL rule (repeatable); default: the stack's mcp:redis.ttlRules", collect, [])
        .option("--maxmemory <size>", "e.g. 768mb; default: the stack's mcp:redis.maxmemory")
        .option("--policy <name>", "eviction policy; default: the stack's mcp:redis.maxmemoryPolicy")
        .option("--preview", "count what each rule would change, change nothing", false)
        .option("--yes", "apply without asking (CI)", false)
        .action(async (o: RedisFlags & { rule: string[]; maxmemory?: string; policy?: string; preview: boolean; yes: boolean }) => {
            const { redis: stored } = ctx.config(o.stack);
            const policy = {
                rules: parseTtlRules(o.rule, stored.ttlRules),
                maxmemory: o.maxmemory ?? stored.maxmemory,
                maxmemoryPolicy: o.policy ?? stored.maxmemoryPolicy,
            };
            const where = await target(o);
            const apply = (preview: boolean) => withRedis(where, (r) => applyCachePolicy(r, policy, { preview }));
            if (!o.preview && !o.yes) {
                const planned = await apply(true);
                for (const r of planned.rules)
                    report(`would set TTL ${r.ttlSeconds}s on ${r.changed} of ${r.matched} keys under "${r.prefix}"`);
                for (const c of planned.config) report(`would set ${c.parameter}: ${c.from} -> ${c.to}`);
                await ctx.confirm("apply this cache policy", o);
            }
            const done = await apply(o.preview);
            print(o.json, done, () =>
                [
                    ...done.rules.map(
                        (r) =>
                            `${done.preview ? "would set" : "set"} TTL ${r.ttlSeconds}s on ${r.changed} of ${r.matched} keys under ` +
                            `"${r.prefix}"`,
                    ),
                    ...done.config.map((c) => `${c.parameter}: ${c.from} -> ${c.to}${done.preview ? " (preview)" : ""}`),
                ].join("\n"),
            );
        });

    connected("backup", "copy an RDB snapshot to a local file, with a manifest for restore drills")
        .requiredOption("--out <file>", "where to write the RDB (the manifest goes to <file>.json)")
        .option("--force", "replace an existing file", false)
        .action(async (o: RedisFlags & { out: string; force: boolean }) => {
            if (existsSync(o.out) && !o.force)
                throw new InvalidInputError(`${o.out} already exists; choose another --out or pass --force to replace it`);
            const where = await target(o);
            const manifest = await withRedis(where, (r) =>
                snapshotToFile(r, where, o.out, { onProgress: (bytes) => progress(`received ${bytes} bytes`) }),
            );
            endProgress();
            const keys = Object.values(manifest.keyspace).reduce((a, b) => a + b, 0);
            print(
                o.json,
                manifest,
                () => `wrote ${o.out} (${manifest.bytes} bytes, sha256 ${manifest.sha256.slice(0, 12)}…, ${keys} keys)`,
            );
        });

    connected("restore", "a restore drill in a scratch Redis (--verify), or a restore into the live store during maintenance (--live)")
        .argument("[file]", "RDB written by mcp-ops redis backup or the backup CronJob")
        .option("--scheduled <name>", "a backup the CronJob keeps (mcp-ops backup list redis), or newest, instead of a file")
        .option("--verify", "the drill: load it into a scratch server here and compare with its manifest", false)
        .option("--live", "put its data into the running store: every key restored, keys it does not have removed", false)
        .option("--yes", "with --live: restore without asking (CI)", false)
        .action(async (file: string | undefined, o: RedisFlags & { scheduled?: string; verify: boolean; live: boolean; yes: boolean }) => {
            if (o.verify === o.live)
                throw new InvalidInputError("say what to do: --verify (a drill in a scratch server) or --live (a recovery)");
            if (Boolean(file) === Boolean(o.scheduled))
                throw new InvalidInputError("name one snapshot: a file, or --scheduled <name|newest>");
            if (o.live && !o.url && !ctx.config(o.stack).maintenance)
                throw new InvalidInputError(
                    `stack ${o.stack} is not in maintenance: its writers would write into the store while it is restored; ` +
                        "run mcp-ops maintenance on first (and maintenance off after)",
                );
            const restore = async (path: string) => (o.verify ? drillOf(path, o) : restoreLive(path, o));
            if (!o.scheduled) return restore(file as string);
            await withScheduledBackup(ctx, o, "redis", o.scheduled, (fetched) => restore(fetched.file));
        });

    const drillOf = async (file: string, o: RedisFlags & { scheduled?: string }) => {
        // A scheduled backup has no manifest: its own checksum, checked by loading it, is what is proven.
        const drill = await restoreDrill(file, { requireManifest: !o.scheduled });
        print(o.json, drill, () => renderDrill(drill));
        assertDrillPassed(drill);
    };

    const restoreLive = async (file: string, o: RedisFlags & { yes: boolean }) => {
        const where = await target(o);
        await ctx.confirm(`replace the data of Redis at ${describeTarget(where)} with ${basename(file)}`, o);
        const restored = await restoreIntoLive(file, where, progress);
        endProgress();
        print(o.json, restored, () => renderLiveRestore(restored));
        if (!restored.ok)
            throw new VerificationFailedError(
                `the live store differs from the snapshot after the restore: ${JSON.stringify(restored.databases)}, ` +
                    `${restored.sample.mismatched.length} sampled keys differ`,
            );
    };
}

function renderLiveRestore(r: LiveRestoreReport): string {
    return [
        `restored ${basename(r.file)} into the live store${r.ok ? "" : " — it DIFFERS from the snapshot"}:`,
        ...Object.entries(r.databases).map(
            ([db, d]) => `  ${db}: ${d.restored} keys written, ${d.removed} removed; ${d.liveKeys} keys now (snapshot ${d.snapshotKeys})`,
        ),
        `  sampled values: ${r.sample.checked - r.sample.mismatched.length}/${r.sample.checked} match`,
    ].join("\n");
}

function withRedisFlags(command: Command): Command {
    const access = { name: "Redis", url: "redis:// or rediss:// URL", passwordEnv: "REDIS_PASSWORD", secret: "redis-password" };
    return withStoreAccess(command, access).addOption(numberOption("--db <n>", "database number"));
}

/** Where Redis is and its password: from the environment, or straight from the stack's Kubernetes Secret (never a flag). */
async function redisTargetOf(ctx: CommandContext, o: RedisFlags): Promise<RedisTarget> {
    const password = await storePassword(ctx, o);
    const config = o.url ? undefined : ctx.config(o.stack);
    const target = redisTarget(config, o.url, password, o.db, o.tlsCa);
    if (!config || config.redis.mode === "external") return target;
    return { ...target, ...(await inClusterAddress(ctx, o, "redis", 6379)) };
}

/** `--rule session:=3600` flags, or the stack's ttlRules when none are given. */
export function parseTtlRules(flags: string[], fromConfig: TtlRule[]): TtlRule[] {
    if (flags.length === 0) return fromConfig;
    return flags.map((flag) => {
        const m = /^(.+)=(\d+)$/.exec(flag);
        if (!m) throw new InvalidInputError(`--rule "${flag}" is not prefix=seconds; write it as --rule session:=3600`);
        return { prefix: m[1], ttlSeconds: Number(m[2]) };
    });
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function renderHotKeys(h: HotKeys): string[] {
    const scanned = `${h.scannedKeys}${h.complete ? "" : "+"} keys scanned`;
    const heading =
        h.by === "access-frequency" ? `most accessed (LFU counter, ${scanned}):` : `most recently used (idle seconds, ${scanned}):`;
    const rows = h.keys.map((k) => `  ${String(k.frequency ?? k.idleSeconds).padStart(10)}    ${k.key}`);
    return [heading, ...rows, ...(h.note ? [`  (${h.note})`] : [])];
}

function renderStats(s: RedisStats): string {
    const hitRate = s.hitRate === null ? "n/a" : `${(100 * s.hitRate).toFixed(1)}%`;
    return [
        `role ${s.role}, Redis ${s.version}, ${s.connectedClients} clients`,
        `memory ${mib(s.usedMemoryBytes)} of ${s.maxmemoryBytes ? mib(s.maxmemoryBytes) : "no limit"} (${s.maxmemoryPolicy}), ` +
            `fragmentation ${s.fragmentationRatio.toFixed(2)}`,
        `hit rate ${hitRate} (${s.keyspaceHits} hits, ${s.keyspaceMisses} misses), ${s.evictedKeys} evicted, ${s.expiredKeys} expired`,
        `keys ${
            Object.entries(s.keys)
                .map(([db, n]) => `${db}=${n}`)
                .join(" ") || "none"
        }`,
        `largest of ${s.sampledKeys} sampled keys:`,
        ...s.largestKeys.map((k) => `  ${String(k.bytes).padStart(10)} B  ${k.key}`),
        ...renderHotKeys(s.hotKeys),
        `slowlog (${s.slowlog.length}):`,
        ...s.slowlog.map((e) => `  ${e.at}  ${String(e.durationMicros).padStart(8)} us  ${e.command}`),
    ].join("\n");
}
