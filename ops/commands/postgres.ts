import type { Command } from "commander";
import { withScheduledBackup } from "../backups/scheduled";
import { InvalidInputError, VerificationFailedError } from "../errors";
import type { CommandContext } from "../commandLine/context";
import { inClusterAddress, type StoreAccessFlags, storePassword, withStoreAccess } from "../commandLine/storeAccess";
import { collect, numberOption } from "../commandLine/flags";
import { endProgress, print, progress, report } from "../commandLine/output";
import { backupPostgres } from "../postgres/backup";
import { maintainPostgres } from "../postgres/maintenance";
import type { TableDigest } from "../postgres/manifest";
import { renderBackup, renderRestore, renderStats, renderStep } from "../postgres/render";
import { planTargetRestore, type RestoreReport, restoreDrill, restoreIntoDatabase } from "../postgres/restore";
import { type PostgresTarget, withPostgres } from "../postgres/connect";
import { killIdleInTransaction, parseAge } from "../postgres/idle";
import { postgresStats } from "../postgres/stats";
import { postgresAddress } from "../postgres/target";

type PostgresFlags = StoreAccessFlags;
type RestoreFlags = PostgresFlags & {
    scheduled?: string;
    verify: boolean;
    target?: string;
    overwrite: boolean;
    owner: boolean;
    yes: boolean;
};
type MaintenanceFlags = PostgresFlags & {
    backup: boolean;
    backupDir: string;
    lockTimeout: string;
    statementTimeout: string;
    reindex: boolean;
    minLeafDensity: number;
    table: string[];
};

const checksummed = (t: TableDigest) => progress(`checksummed ${t.table} (${t.rows} rows)`);

function ageMs(flag: string, text: string): number {
    const seconds = parseAge(text);
    if (seconds === undefined || seconds <= 0)
        throw new InvalidInputError(`${flag} "${text}" is not a duration; write it as 500ms, 3s, 5m or 1h`);
    return seconds * 1000;
}

/** `mcp-ops postgres …`: the PostgreSQL runbooks: statistics, idle sessions, maintenance, backups with manifests, restores. */
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
                        report(`would terminate pid ${s.pid} (${s.user}@${s.database}, idle ${s.idleSeconds}s)`);
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

    connected("backup", "pg_dump (custom format, compressed) with a manifest of row counts and checksums, both of one snapshot")
        .option("--out <dir>", "directory for the dump and its manifest (<dump>.json)", "backups")
        .option("--wait <seconds>", "keep trying this long to reach the server (the backup job: a new pod's policies take seconds)", "0")
        .action(async (o: PostgresFlags & { out: string; wait: string }) => {
            const reachWithinMs = Number(o.wait) * 1000;
            if (!Number.isFinite(reachWithinMs) || reachWithinMs < 0)
                throw new InvalidInputError(`--wait "${o.wait}" is not a number of seconds; write it as 60`);
            const result = await backupPostgres({ ...(await target(o)), reachWithinMs }, { outDir: o.out, onTable: checksummed });
            endProgress();
            print(o.json, result, () => renderBackup(result));
        });

    connected("restore", "prove a dump in a scratch server (--verify), or recover it into a database (--target)")
        .argument("[file]", "dump written by mcp-ops postgres backup or the backup CronJob (its manifest beside it, <file>.json)")
        .option("--scheduled <name>", "a backup the CronJob keeps (mcp-ops backup list postgres), or newest, instead of a file")
        .option("--verify", "restore drill: a scratch server on this machine, counts and checksums compared with the manifest", false)
        .option("--target <database>", "restore into this database of the server (created when missing)")
        .option("--overwrite", "with --target: replace the objects of a database that has data", false)
        .option("--no-owner", "with --target: do not restore owners and privileges (roles missing on this server)")
        .option("--yes", "with --target: restore without asking (CI)", false)
        .action(async (file: string | undefined, o: RestoreFlags) => {
            if (o.verify === Boolean(o.target))
                throw new InvalidInputError("say what to do: --verify (a drill in a scratch server) or --target <database> (a recovery)");
            if (Boolean(file) === Boolean(o.scheduled)) throw new InvalidInputError("name one dump: a file, or --scheduled <name|newest>");
            const restore = async (path: string) => {
                const result = o.verify ? await restoreDrill(path, checksummed) : await recover(path, o);
                endProgress();
                print(o.json, result, () => renderRestore(result));
                if (!result.ok)
                    throw new VerificationFailedError(`the restore differs from the backup's manifest: ${result.differences[0]}`);
            };
            if (!o.scheduled) return restore(file as string);
            await withScheduledBackup(ctx, o, "postgres", o.scheduled, (fetched) => restore(fetched.file));
        });

    const recover = async (file: string, o: RestoreFlags): Promise<RestoreReport> => {
        const where = await target(o);
        const database = o.target as string;
        const plan = await planTargetRestore(where, database);
        report(
            plan.exists
                ? `database ${database} exists with ${plan.tablesWithRows.length} tables holding rows` +
                      `${plan.tablesWithRows.length > 0 ? (o.overwrite ? "; they will be replaced" : "; refused without --overwrite") : ""}`
                : `database ${database} does not exist; it will be created`,
        );
        if (plan.tablesWithRows.length === 0 || o.overwrite) await ctx.confirm(`restore ${file} into database ${database}`, o);
        return restoreIntoDatabase(where, file, { database, overwrite: o.overwrite, keepOwners: o.owner });
    };

    connected(
        "maintenance",
        "VACUUM (ANALYZE) per table and REINDEX CONCURRENTLY of bloated indexes, bounded by lock and statement timeouts",
    )
        .option("--no-backup", "skip the backup taken first")
        .option("--backup-dir <dir>", "where the backup taken first goes", "backups")
        .option("--lock-timeout <age>", "skip a table whose lock is not granted within this (e.g. 500ms, 3s)", "3s")
        .option("--statement-timeout <age>", "stop one table's VACUUM or one REINDEX after this", "30m")
        .option("--reindex", "rebuild bloated b-tree indexes concurrently (needs the pgstattuple extension)", false)
        .addOption(numberOption("--min-leaf-density <percent>", "an index whose leaf pages are less full than this is bloated").default(50))
        .option("--table <schema.name>", "only this table (repeatable)", collect, [])
        .action(async (o: MaintenanceFlags) => {
            const lockTimeoutMs = ageMs("--lock-timeout", o.lockTimeout);
            const statementTimeoutMs = ageMs("--statement-timeout", o.statementTimeout);
            const where = await target(o);
            const backup = o.backup ? await backupPostgres(where, { outDir: o.backupDir, onTable: checksummed }) : undefined;
            endProgress();
            if (backup) report(`backup first: ${backup.file} (${backup.manifest.tables.length} tables)`);
            const result = await withPostgres(where, (client) =>
                maintainPostgres(client, {
                    lockTimeoutMs,
                    statementTimeoutMs,
                    reindex: o.reindex,
                    minLeafDensity: o.minLeafDensity,
                    tables: o.table.length > 0 ? o.table : undefined,
                    onStep: (step, done, total) => report(renderStep(step, done, total)),
                }),
            );
            const skipped = result.steps.filter((s) => s.outcome === "skipped").length;
            print(o.json, { backup: backup?.file, ...result }, () =>
                [
                    `maintenance done: ${result.steps.length - skipped} steps done, ${skipped} skipped`,
                    ...(result.reindexUnavailable ? [`reindex: ${result.reindexUnavailable}`] : []),
                ].join("\n"),
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
    const config = ctx.config(o.stack);
    const address = postgresAddress(config);
    if (config.postgres.mode === "external") return { ...address, password, tlsCaFile: o.tlsCa };
    return { ...address, ...(await inClusterAddress(ctx, o, "postgres", 5432)), password, tlsCaFile: o.tlsCa };
}
