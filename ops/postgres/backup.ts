import { chmodSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { OperationFailedError } from "../errors";
import { fileSha256 } from "../fileSha256";
import { clientToolMajor, requireClientFor, runClientTool } from "./clientTools";
import { connectionParams, type PostgresTarget, withPostgres } from "./connect";
import { type BackupManifest, CHECKSUM_METHOD, MANIFEST_FORMAT, type TableDigest, tableDigests } from "./manifest";

export interface BackupResult {
    file: string;
    manifestFile: string;
    manifest: BackupManifest;
    seconds: number;
}

/** postgres-<database>-20261122T010203Z.dump: sorts by time, names what it holds. */
const backupFileName = (database: string, at = new Date()) =>
    `postgres-${database}-${at
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d+Z$/, "Z")}.dump`;

/**
 * A compressed custom-format dump (pg_dump) and its manifest, both of one snapshot: the snapshot is
 * exported from a read-only repeatable-read transaction, pg_dump reads it (--snapshot) while the
 * same transaction counts and checksums every table, so the manifest describes exactly the dump's
 * data even while the database is being written. Files appear only when complete.
 */
export async function backupPostgres(
    target: PostgresTarget,
    o: { outDir: string; onTable?: (digest: TableDigest) => void },
): Promise<BackupResult> {
    const started = Date.now();
    const database = connectionParams(target).database ?? "postgres";
    mkdirSync(o.outDir, { recursive: true });
    const file = join(o.outDir, backupFileName(database));
    const partial = `${file}.partial`;
    try {
        const { serverVersion, serverMajor, tables } = await withPostgres(target, async (client) => {
            await client.query("begin isolation level repeatable read read only");
            const [info] = (
                await client.query<{ snapshot: string; version: string; num: string }>(
                    "select pg_export_snapshot() as snapshot, current_setting('server_version') as version, " +
                        "current_setting('server_version_num') as num",
                )
            ).rows;
            requireClientFor("pg_dump", Math.floor(Number(info.num) / 10000));
            const dump = runClientTool(
                "pg_dump",
                ["--format=custom", "--compress=6", `--snapshot=${info.snapshot}`, `--file=${partial}`],
                target,
            );
            // Both must finish before the transaction ends (and before a failure removes the partial file).
            const [digests, dumped] = await Promise.allSettled([tableDigests(client, o.onTable), dump]);
            if (digests.status === "rejected") throw explainBackupError(digests.reason, connectionParams(target).user);
            if (dumped.status === "rejected") throw dumped.reason;
            await client.query("commit");
            return { serverVersion: info.version, serverMajor: Math.floor(Number(info.num) / 10000), tables: digests.value };
        });
        const manifest: BackupManifest = {
            format: MANIFEST_FORMAT,
            createdAt: new Date(started).toISOString(),
            database,
            serverVersion,
            serverMajor,
            pgDumpMajor: clientToolMajor("pg_dump"),
            dump: { file: basename(file), bytes: statSync(partial).size, sha256: await fileSha256(partial), format: "custom" },
            checksum: CHECKSUM_METHOD,
            tables,
        };
        const manifestFile = `${file}.json`;
        // The dump holds the platform's data: readable by its owner only, whatever the umask.
        chmodSync(partial, 0o600);
        writeFileSync(`${manifestFile}.partial`, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
        renameSync(partial, file);
        renameSync(`${manifestFile}.partial`, manifestFile);
        return { file, manifestFile, manifest, seconds: (Date.now() - started) / 1000 };
    } finally {
        rmSync(partial, { force: true });
        rmSync(`${file}.json.partial`, { force: true });
    }
}

function explainBackupError(error: unknown, user = "postgres"): unknown {
    const e = error as { code?: string; message?: string };
    if (e.code !== "42501") return error;
    return new OperationFailedError(
        `backup failed: ${e.message}; the backup's user reads every table: GRANT pg_read_all_data TO ${user} (or SELECT on each)`,
    );
}
