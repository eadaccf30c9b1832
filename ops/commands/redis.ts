import { existsSync } from "fs";
import { InvalidInputError, OperationFailedError } from "../errors";
import { applyCachePolicy, CachePolicyReport, TtlRule } from "../redis/cachePolicy";
import { connectRedis, RedisTarget } from "../redis/connect";
import { MaintenanceReport, redisMaintenance } from "../redis/maintenance";
import type { DrillReport } from "../redis/restoreDrill";
import { snapshotToFile, SnapshotManifest } from "../redis/snapshot";
import { assertNarrowPattern, revokeSessions, SweepProgress, SweepResult } from "../redis/sweep";
import { RedisStats, redisStats } from "../redis/stats";

/** Runs `work` on a connection that is always closed afterwards. */
async function withRedis<T>(target: RedisTarget, work: (redis: Awaited<ReturnType<typeof connectRedis>>) => Promise<T>): Promise<T> {
    const redis = await connectRedis(target);
    try {
        return await work(redis);
    } finally {
        redis.disconnect();
    }
}

/** Validates the pattern before connecting, so a bad pattern is refused with nothing touched. */
export function revokeSessionsCommand(o: RedisTarget & { pattern: string; preview: boolean; count: number; timeoutMs: number; onProgress?: (p: SweepProgress) => void }): Promise<SweepResult> {
    assertNarrowPattern(o.pattern);
    return withRedis(o, (r) => revokeSessions(r, o));
}

export const statsCommand = (target: RedisTarget, sample: number): Promise<RedisStats> => withRedis(target, (r) => redisStats(r, { sample }));

export const maintenanceCommand = (target: RedisTarget, resetStats: boolean, onProgress: (m: string) => void): Promise<MaintenanceReport> =>
    withRedis(target, (r) => redisMaintenance(r, { resetStats, onProgress }));

/** `--rule session:=3600` flags, or the stack's ttlRules when none are given. */
export function parseTtlRules(flags: string[], fromConfig: TtlRule[]): TtlRule[] {
    if (flags.length === 0) return fromConfig;
    return flags.map((flag) => {
        const m = /^(.+)=(\d+)$/.exec(flag);
        if (!m) throw new InvalidInputError(`--rule "${flag}" is not prefix=seconds; write it as --rule session:=3600`);
        return { prefix: m[1], ttlSeconds: Number(m[2]) };
    });
}

export const cachePolicyCommand = (
    target: RedisTarget,
    policy: { rules: TtlRule[]; maxmemory?: string; maxmemoryPolicy?: string },
    preview: boolean,
): Promise<CachePolicyReport> => withRedis(target, (r) => applyCachePolicy(r, policy, { preview }));

export function backupCommand(target: RedisTarget, file: string, force: boolean, onProgress: (bytes: number) => void): Promise<SnapshotManifest> {
    if (existsSync(file) && !force) throw new InvalidInputError(`${file} already exists; choose another --out or pass --force to replace it`);
    return withRedis(target, (r) => snapshotToFile(r, target, file, { onProgress }));
}

/** A failed drill is an operation failure: CI and cron jobs must see a non-zero exit. */
export function assertDrillPassed(report: DrillReport): void {
    if (!report.ok) {
        const problems = [
            report.checksumMatches ? "" : "file checksum differs from the manifest",
            report.keyspace.matches ? "" : `key counts differ (expected ${JSON.stringify(report.keyspace.expected)}, restored ${JSON.stringify(report.keyspace.restored)})`,
            report.sample.mismatched.length ? `${report.sample.mismatched.length} of ${report.sample.checked} sampled keys differ` : "",
        ].filter(Boolean);
        throw new OperationFailedError(`restore drill failed: ${problems.join("; ")}`);
    }
}
