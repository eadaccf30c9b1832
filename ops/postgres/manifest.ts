import { createHash } from "node:crypto";
import type { Client } from "pg";
import { to as copyTo } from "pg-copy-streams";

/** One table's content at backup time: its row count and a checksum of its rows in a fixed order. */
export interface TableDigest {
    /** schema.name */
    table: string;
    rows: number;
    sha256: string;
}

/** What `postgres backup` writes beside a dump (`<dump>.json`), and what a restore is compared with. */
export interface BackupManifest {
    format: typeof MANIFEST_FORMAT;
    createdAt: string;
    database: string;
    /** server_version of the server dumped, e.g. "15.14 (Debian 15.14-0+deb12u1)". */
    serverVersion: string;
    serverMajor: number;
    /**
     * Major version of the pg_dump that wrote the dump: its archive format needs a pg_restore at least
     * as new, whatever the server's version (a PostgreSQL 15 server dumped by pg_dump 17 needs 17).
     * Absent in manifests written before it was recorded.
     */
    pgDumpMajor?: number;
    dump: { file: string; bytes: number; sha256: string; format: "custom" };
    /** How each table's sha256 is computed, so another tool can recompute it. */
    checksum: typeof CHECKSUM_METHOD;
    tables: TableDigest[];
}

export const MANIFEST_FORMAT = "mcp-postgres-backup/1";
export const CHECKSUM_METHOD =
    "sha256 of COPY text output of each row's text form, rows ordered by that text in the C collation, with DateStyle ISO, " +
    "IntervalStyle postgres, TimeZone UTC, extra_float_digits 1, bytea_output hex, lc_monetary C";

/**
 * The tables a dump carries the data of: ordinary tables (partitions included, their parents hold
 * nothing) outside the system schemas, without those belonging to an extension.
 */
const USER_TABLES = `
select n.nspname as schema, c.relname as name
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where c.relkind = 'r'
   and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp)'
   and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
 order by 1, 2`;

/** The user tables as schema, name and the quoted relation to put in SQL. */
export async function userTables(client: Client): Promise<Array<{ schema: string; name: string; relation: string }>> {
    const tables = (await client.query<{ schema: string; name: string }>(USER_TABLES)).rows;
    return tables.map((t) => ({ ...t, relation: `${client.escapeIdentifier(t.schema)}.${client.escapeIdentifier(t.name)}` }));
}

/** Output settings that change how values print; fixed so the same rows give the same text on any server. */
const STABLE_TEXT = [
    "set DateStyle = 'ISO, YMD'",
    "set IntervalStyle = 'postgres'",
    "set TimeZone = 'UTC'",
    "set extra_float_digits = 1",
    "set bytea_output = 'hex'",
    // money prints in the server's monetary locale; a scratch server's may differ from production's.
    "set lc_monetary = 'C'",
];

/**
 * Counts and checksums every user table through COPY, streamed (no table is held in memory).
 * Run inside the backup's snapshot, it describes exactly what the dump holds.
 */
export async function tableDigests(client: Client, onTable?: (digest: TableDigest) => void): Promise<TableDigest[]> {
    for (const statement of STABLE_TEXT) await client.query(statement);
    const digests: TableDigest[] = [];
    for (const { schema, name, relation } of await userTables(client)) {
        // The alias cannot be shadowed by a column of that name in practice, unlike a short one such as "t".
        const rowText = "mcp_row_::text";
        const copy = client.query(
            copyTo(`copy (select ${rowText} from only ${relation} as mcp_row_ order by ${rowText} collate "C") to stdout`),
        );
        const digest = await hashLines(copy);
        const result = { table: `${schema}.${name}`, ...digest };
        digests.push(result);
        onTable?.(result);
    }
    return digests;
}

function hashLines(stream: NodeJS.ReadableStream): Promise<{ rows: number; sha256: string }> {
    return new Promise((resolve, reject) => {
        const hash = createHash("sha256");
        let rows = 0;
        stream.on("data", (chunk: Buffer) => {
            hash.update(chunk);
            for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
        });
        stream.on("end", () => resolve({ rows, sha256: hash.digest("hex") }));
        stream.on("error", reject);
    });
}

/** Every way the restored tables differ from the manifest's, one line each; empty when they match. */
export function compareDigests(expected: readonly TableDigest[], restored: readonly TableDigest[]): string[] {
    const found = new Map(restored.map((d) => [d.table, d]));
    const differences: string[] = [];
    for (const want of expected) {
        const got = found.get(want.table);
        if (!got) differences.push(`${want.table}: in the backup, missing after the restore`);
        else if (got.rows !== want.rows) differences.push(`${want.table}: ${want.rows} rows in the backup, ${got.rows} restored`);
        else if (got.sha256 !== want.sha256) differences.push(`${want.table}: same row count, different content (checksum differs)`);
        found.delete(want.table);
    }
    for (const extra of found.keys()) differences.push(`${extra}: restored, but not in the backup`);
    return differences;
}
