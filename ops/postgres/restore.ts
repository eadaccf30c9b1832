import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import type { Client } from "pg";
import { InvalidInputError, UnavailableError } from "../errors";
import { fileSha256 } from "../fileSha256";
import { dbnameArgument, requireClientFor, runClientTool } from "./clientTools";
import { connectionParams, type PostgresTarget, withPostgres } from "./connect";
import { type BackupManifest, compareDigests, MANIFEST_FORMAT, type TableDigest, tableDigests, userTables } from "./manifest";
import { serverMajor } from "./localServer";
import { startScratchPostgres } from "./scratchServer";

export interface RestoreReport {
    ok: boolean;
    file: string;
    /** Where the dump was restored: "scratch server" for a drill, else the database. */
    into: string;
    dumpChecksumMatches: boolean;
    tables: number;
    rows: { expected: number; restored: number };
    /** Every difference from the manifest, one line each. */
    differences: string[];
    seconds: number;
}

/** The manifest beside a dump, checked for what a restore needs before anything is started. */
function readManifest(file: string): BackupManifest {
    if (!existsSync(file)) throw new InvalidInputError(`${file} does not exist; pass a dump written by mcp-ops postgres backup`);
    if (!existsSync(`${file}.json`))
        throw new InvalidInputError(`${file}.json (the dump's manifest) is missing; take backups with mcp-ops postgres backup`);
    let manifest: BackupManifest;
    try {
        manifest = JSON.parse(readFileSync(`${file}.json`, "utf8")) as BackupManifest;
    } catch (error) {
        throw new InvalidInputError(`${file}.json is not a manifest (${(error as Error).message.split("\n")[0]})`);
    }
    if (manifest.format !== MANIFEST_FORMAT || !Array.isArray(manifest.tables))
        throw new InvalidInputError(`${file}.json is not a ${MANIFEST_FORMAT} manifest (format: ${String(manifest.format)})`);
    requireClientFor("pg_restore", manifest.serverMajor);
    if (manifest.pgDumpMajor !== undefined)
        requireClientFor("pg_restore", manifest.pgDumpMajor, undefined, "the dump was written by pg_dump of");
    return manifest;
}

/**
 * The restore drill: the dump restored into a scratch server started for it on loopback, every
 * table counted and checksummed and compared with the manifest. Production is never touched;
 * the scratch server and its files are removed.
 */
export async function restoreDrill(file: string, onTable?: (digest: TableDigest) => void): Promise<RestoreReport> {
    const started = Date.now();
    const manifest = readManifest(file);
    if (manifest.serverMajor > serverMajor())
        throw new UnavailableError(
            `the dump comes from PostgreSQL ${manifest.serverMajor} and this machine's server is ${serverMajor()}; ` +
                `install postgresql-${manifest.serverMajor} for the drill`,
        );
    const dumpChecksumMatches = (await fileSha256(file)) === manifest.dump.sha256;
    // A drill's server may lose everything on a crash: it only lives for the drill.
    const scratch = await startScratchPostgres({
        settings: { fsync: "off", full_page_writes: "off", synchronous_commit: "off", maintenance_work_mem: "256MB" },
    });
    try {
        const database = "restore_drill";
        await withPostgres(scratch.target(), (client) => client.query(`create database ${database}`));
        const differences = dumpChecksumMatches
            ? []
            : [`the dump's sha256 differs from the manifest's: the file was changed or damaged after the backup`];
        const jobs = String(Math.min(4, cpus().length));
        const restored = await runClientTool(
            "pg_restore",
            ["--no-owner", "--no-privileges", "--exit-on-error", `--jobs=${jobs}`, dbnameArgument(database), file],
            scratch.target(database),
        )
            .then(() => withPostgres(scratch.target(database), (client) => tableDigests(client, onTable)))
            .catch((error: Error) => {
                differences.push(`the dump does not restore: ${error.message}`);
                return undefined;
            });
        return report(file, "scratch server", manifest, dumpChecksumMatches, restored, differences, started);
    } finally {
        await scratch.stop();
    }
}

export interface TargetPlan {
    database: string;
    exists: boolean;
    /** Tables of the existing database that hold rows; a restore over them needs --overwrite. */
    tablesWithRows: string[];
}

/** What a restore into `database` would meet there, read without changing anything. */
export async function planTargetRestore(target: PostgresTarget, database: string): Promise<TargetPlan> {
    const exists = await withPostgres(target, async (client) => {
        if ((await client.query<{ r: boolean }>("select pg_is_in_recovery() as r")).rows[0].r)
            throw new InvalidInputError(
                "this PostgreSQL is a read-only replica (in recovery): restore into the primary; point --url at it",
            );
        const found = await client.query("select 1 from pg_database where datname = $1", [database]);
        return found.rowCount === 1;
    });
    if (!exists) return { database, exists, tablesWithRows: [] };
    const tablesWithRows = await withPostgres(inDatabase(target, database), (client) => nonEmptyTables(client));
    return { database, exists, tablesWithRows };
}

/**
 * A real recovery: the dump restored into `database` on the target server in one transaction
 * (a failure leaves the database as it was; one created for the restore is dropped again), then
 * compared with the manifest like a drill. A dump that differs from its manifest is refused first.
 */
export async function restoreIntoDatabase(
    target: PostgresTarget,
    file: string,
    o: { database: string; overwrite: boolean; keepOwners: boolean },
): Promise<RestoreReport> {
    const started = Date.now();
    const manifest = readManifest(file);
    if ((await fileSha256(file)) !== manifest.dump.sha256)
        throw new InvalidInputError(`${file} differs from its manifest's sha256 (changed or damaged); nothing was restored`);
    const plan = await planTargetRestore(target, o.database);
    if (plan.tablesWithRows.length > 0 && !o.overwrite)
        throw new InvalidInputError(
            `database ${o.database} has data (${plan.tablesWithRows.length} tables with rows, e.g. ${plan.tablesWithRows[0]}); ` +
                `pass --overwrite to replace its objects with the dump's, or restore into a new database with --target <name>`,
        );
    if (!plan.exists) await withPostgres(target, (client) => client.query(`create database ${client.escapeIdentifier(o.database)}`));
    const args = ["--exit-on-error", "--single-transaction", dbnameArgument(o.database)];
    if (plan.exists) args.push("--clean", "--if-exists");
    if (!o.keepOwners) args.push("--no-owner", "--no-privileges");
    try {
        await runClientTool("pg_restore", [...args, file], target, { database: o.database });
    } catch (error) {
        if (!plan.exists)
            await withPostgres(target, (client) => client.query(`drop database ${client.escapeIdentifier(o.database)}`)).catch(
                () => undefined,
            );
        throw error;
    }
    const restored = await withPostgres(inDatabase(target, o.database), (client) => tableDigests(client));
    return report(file, `database ${o.database}`, manifest, true, restored, [], started);
}

function inDatabase(target: PostgresTarget, database: string): PostgresTarget {
    const { url: _url, ...rest } = target;
    return { ...rest, ...connectionParams(target), database };
}

async function nonEmptyTables(client: Client): Promise<string[]> {
    const withRows: string[] = [];
    for (const { schema, name, relation } of await userTables(client)) {
        if ((await client.query(`select 1 from ${relation} limit 1`)).rowCount) withRows.push(`${schema}.${name}`);
    }
    return withRows;
}

function report(
    file: string,
    into: string,
    manifest: BackupManifest,
    dumpChecksumMatches: boolean,
    restored: TableDigest[] | undefined,
    differences: string[],
    started: number,
): RestoreReport {
    if (restored) differences.push(...compareDigests(manifest.tables, restored));
    const sum = (digests: readonly TableDigest[]) => digests.reduce((n, d) => n + d.rows, 0);
    return {
        ok: differences.length === 0,
        file,
        into,
        dumpChecksumMatches,
        tables: manifest.tables.length,
        rows: { expected: sum(manifest.tables), restored: restored ? sum(restored) : 0 },
        differences,
        seconds: (Date.now() - started) / 1000,
    };
}
