import type { Command } from "commander";
import type { PlatformConfig } from "../../config/schema";
import { InvalidInputError } from "../errors";
import type { CommandContext } from "../commandLine/context";
import { type StoreAccessFlags, storePassword, withStoreAccess } from "../commandLine/storeAccess";
import { print } from "../commandLine/output";
import { type PostgresTarget, withPostgres } from "../postgres/connect";
import { killIdleInTransaction, parseAge } from "../postgres/idle";
import { type PostgresStats, postgresStats } from "../postgres/stats";

type PostgresFlags = StoreAccessFlags;

/** `mcp-ops postgres …`: the PostgreSQL runbooks, read from PostgreSQL's own statistics. */
export function define(postgres: Command, ctx: CommandContext): void {
    const connected = (name: string, description: string) => withPostgresFlags(postgres.command(name).description(description));
    const target = (o: PostgresFlags) => postgresTargetOf(ctx, o);

    connected(
        "stats",
        "sizes, connections by state, cache hit ratio, dead rows and (auto)vacuum, unused and duplicate indexes, replication lag, " +
            "slowest statements",
    ).action(async (o: PostgresFlags) => {
        const stats = await withPostgres(await target(o), (client) => postgresStats(client));
        print(o.json, stats, () => renderStats(stats));
    });

    connected("connections", "sessions idle in a transaction: --kill-idle <age> terminates those idle longer (previewed, then confirmed)")
        .requiredOption("--kill-idle <age>", "idle in a transaction longer than this, e.g. 5m, 90s, 1h")
        .option("--include-superusers", "superusers' sessions too (by default they are left alone)", false)
        .option("--preview", "list the sessions, terminate nothing", false)
        .option("--yes", "terminate without asking (CI)", false)
        .action(async (o: PostgresFlags & { killIdle: string; includeSuperusers: boolean; preview: boolean; yes: boolean }) => {
            const olderThanSeconds = parseAge(o.killIdle);
            if (olderThanSeconds === undefined)
                throw new InvalidInputError(`--kill-idle "${o.killIdle}" is not an age; write it as 90s, 5m or 1h`);
            const result = await withPostgres(await target(o), async (client) => {
                const options = { olderThanSeconds, includeSuperusers: o.includeSuperusers };
                if (!o.preview && !o.yes) {
                    const found = await killIdleInTransaction(client, { ...options, preview: true });
                    for (const s of found.sessions)
                        process.stderr.write(`would terminate pid ${s.pid} (${s.user}@${s.database}, idle ${s.idleSeconds}s)\n`);
                    if (found.sessions.length === 0) return found;
                    await ctx.confirm(`terminate ${found.sessions.length} session(s) idle in a transaction for more than ${o.killIdle}`, o);
                }
                return killIdleInTransaction(client, { ...options, preview: o.preview });
            });
            print(o.json, result, () =>
                result.preview || result.sessions.length === 0
                    ? `${result.sessions.length} session(s) idle in a transaction for more than ` +
                      `${o.killIdle}${result.preview ? "; nothing was terminated" : ""}`
                    : `terminated ${result.terminated.length} session(s): ${result.terminated.join(", ")}`,
            );
        });
}

function withPostgresFlags(command: Command): Command {
    const access = {
        name: "PostgreSQL",
        url: "postgres://user@host:port/database (no password)",
        passwordEnv: "PGPASSWORD",
        secret: "postgres-password",
    };
    return withStoreAccess(command, access);
}

/** The stack's PostgreSQL (in-cluster service or external endpoint) unless --url says otherwise. */
async function postgresTargetOf(ctx: CommandContext, o: PostgresFlags): Promise<PostgresTarget> {
    const password = await storePassword(ctx, o);
    if (o.url) return { url: o.url, password, tlsCaFile: o.tlsCa };
    return { ...addressOf(ctx.config(o.stack)), password, tlsCaFile: o.tlsCa };
}

function addressOf(config: PlatformConfig): Pick<PostgresTarget, "host" | "port" | "database" | "user"> {
    const { postgres } = config;
    const base = { database: postgres.database, user: postgres.user };
    if (postgres.mode === "external" && postgres.external) return { ...base, host: postgres.external.host, port: postgres.external.port };
    return { ...base, host: `postgres.${config.namespace}.svc.cluster.local`, port: 5432 };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

const connectionLine = (c: PostgresStats["connections"][number]) =>
    `${c.count} ${c.state}${c.oldestSeconds ? ` (oldest ${Math.round(c.oldestSeconds)}s)` : ""}`;

function renderStats(s: PostgresStats): string {
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
