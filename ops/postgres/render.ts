import type { BackupResult } from "./backup";
import type { MaintenanceStep } from "./maintenance";
import type { RestoreReport } from "./restore";
import type { PostgresStats } from "./stats";

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

const connectionLine = (c: PostgresStats["connections"][number]) =>
    `${c.count} ${c.state}${c.oldestSeconds ? ` (oldest ${Math.round(c.oldestSeconds)}s)` : ""}`;

export function renderStats(s: PostgresStats): string {
    const lines = [
        `PostgreSQL ${s.version}${s.inRecovery ? " (replica)" : ""}, cache hit ratio ` +
            `${s.cacheHitRatio === null ? "n/a" : `${(100 * s.cacheHitRatio).toFixed(1)}%`}`,
        `databases: ${s.databases.map((d) => `${d.name} ${mib(d.bytes)}`).join(", ")}`,
        `connections: ${s.connections.map(connectionLine).join(", ") || "none"}`,
        "tables (largest first):",
        ...s.tables.map(
            (t) =>
                `  ${t.table.padEnd(32)} ${mib(t.bytes).padStart(11)}  ${t.liveRows} live, ${t.deadRows} dead  ` +
                `vacuum ${t.lastVacuum ?? t.lastAutovacuum ?? "never"}, analyze ${t.lastAnalyze ?? t.lastAutoanalyze ?? "never"}`,
        ),
        `unused indexes: ${s.unusedIndexes.map((i) => `${i.index} (${mib(i.bytes)})`).join(", ") || "none"}`,
        `duplicate indexes: ${s.duplicateIndexes.map((d) => `${d.table}: ${d.indexes.join(" = ")}`).join("; ") || "none"}`,
        `replication: ${s.replication.map((r) => `${r.replica} ${r.state} lag ${r.replayLagSeconds ?? "n/a"}s`).join(", ") || "none"}`,
    ];
    if ("unavailable" in s.statements) lines.push(`slowest statements: ${s.statements.unavailable}`);
    else
        lines.push(
            "slowest statements (total time):",
            ...s.statements.top.map(
                (q) =>
                    `  ${q.totalMs.toFixed(1).padStart(10)} ms  ${String(q.calls).padStart(7)} calls  ` +
                    `${q.query.replace(/\s+/g, " ").slice(0, 90)}`,
            ),
        );
    return lines.join("\n");
}

export function renderBackup(b: BackupResult): string {
    const rows = b.manifest.tables.reduce((n, t) => n + t.rows, 0);
    return (
        `backup written: ${b.file} (${mib(b.manifest.dump.bytes)}, ${b.manifest.tables.length} tables, ${rows} rows, ` +
        `PostgreSQL ${b.manifest.serverMajor}, ${b.seconds.toFixed(1)} s)\nmanifest: ${b.manifestFile}`
    );
}

export function renderRestore(r: RestoreReport): string {
    const head =
        `restore ${r.ok ? "verified" : "FAILED"}: ${r.file} into ${r.into}: ${r.tables} tables, ` +
        `${r.rows.restored} of ${r.rows.expected} rows, ${r.seconds.toFixed(1)} s`;
    return [head, ...r.differences.map((d) => `  ${d}`)].join("\n");
}

export const renderStep = (s: MaintenanceStep, done: number, total: number) =>
    `[${done}/${total}] ${s.action} ${s.target}: ${s.outcome === "done" ? "done" : `SKIPPED (${s.reason})`} in ` +
    `${s.seconds.toFixed(2)} s${s.detail ? `, ${s.detail}` : ""}`;
