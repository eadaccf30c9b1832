import type { Client } from "pg";
import { InvalidInputError } from "../errors";
import { userTables } from "./manifest";

export interface MaintenanceOptions {
    /** How long a statement may wait for a lock before the table is skipped: never queue behind a long lock. */
    lockTimeoutMs: number;
    /** How long one table's VACUUM or one REINDEX may run. */
    statementTimeoutMs: number;
    /** Rebuild (CONCURRENTLY) the b-tree indexes whose leaf pages are less full than minLeafDensity. */
    reindex: boolean;
    /** Percent, 0-100. */
    minLeafDensity: number;
    /** schema.name; all user tables when absent. */
    tables?: string[];
    onStep?: (step: MaintenanceStep, done: number, total: number) => void;
}

export interface MaintenanceStep {
    action: "vacuum (analyze)" | "reindex concurrently";
    /** schema.name of the table, or of the index for a reindex. */
    target: string;
    outcome: "done" | "skipped";
    reason?: string;
    seconds: number;
    detail?: string;
}

export interface MaintenanceReport {
    steps: MaintenanceStep[];
    /** Why no index was considered for a rebuild, when --reindex could not measure bloat. */
    reindexUnavailable?: string;
}

/** Indexes this small are never worth rebuilding, whatever their density. */
const MIN_INDEX_BYTES = 1 << 20;

/**
 * The weekly database maintenance: VACUUM (ANALYZE) table by table, then, when asked, REINDEX
 * CONCURRENTLY of bloated b-tree indexes. Every statement runs with lock_timeout and
 * statement_timeout: a table whose lock is held elsewhere is skipped with the reason instead of
 * making the writers queue behind the waiting maintenance. Neither statement blocks reads or writes.
 */
export async function maintainPostgres(client: Client, o: MaintenanceOptions): Promise<MaintenanceReport> {
    const [{ in_recovery: inRecovery }] = (await client.query<{ in_recovery: boolean }>("select pg_is_in_recovery() as in_recovery")).rows;
    if (inRecovery)
        throw new InvalidInputError(
            "this PostgreSQL is a read-only replica (in recovery): maintenance runs on the primary; point --url at it",
        );
    await client.query(`set lock_timeout = ${Math.round(o.lockTimeoutMs)}`);
    await client.query(`set statement_timeout = ${Math.round(o.statementTimeoutMs)}`);

    const all = await userTables(client);
    const tables = o.tables ? all.filter((t) => o.tables?.includes(`${t.schema}.${t.name}`)) : all;
    const unknown = (o.tables ?? []).filter((name) => !all.some((t) => `${t.schema}.${t.name}` === name));
    if (unknown.length > 0) throw new InvalidInputError(`no such table: ${unknown.join(", ")} (write them as schema.name)`);

    const steps: MaintenanceStep[] = [];
    const record = (step: MaintenanceStep, total: number) => {
        steps.push(step);
        o.onStep?.(step, steps.filter((s) => s.action === step.action).length, total);
    };
    for (const table of tables) {
        const dead = await client.query<{ n: string }>("select n_dead_tup as n from pg_stat_user_tables where relid = $1::regclass", [
            table.relation,
        ]);
        const step = await timed(client, `vacuum (analyze) ${table.relation}`, o);
        record(
            {
                action: "vacuum (analyze)",
                target: `${table.schema}.${table.name}`,
                ...step,
                detail: `${dead.rows[0]?.n ?? 0} dead rows before`,
            },
            tables.length,
        );
    }
    if (!o.reindex) return { steps };

    if ((await client.query("select 1 from pg_extension where extname = 'pgstattuple'")).rowCount === 0)
        return {
            steps,
            reindexUnavailable:
                "index bloat is measured with the pgstattuple extension, which this database lacks: run CREATE EXTENSION pgstattuple " +
                "once as a superuser",
        };
    const bloated = await bloatedIndexes(client, o.minLeafDensity, new Set(tables.map((t) => `${t.schema}.${t.name}`)));
    for (const index of bloated) {
        const relation = `${client.escapeIdentifier(index.schema)}.${client.escapeIdentifier(index.name)}`;
        const step = await timed(client, `reindex index concurrently ${relation}`, o);
        // A REINDEX CONCURRENTLY that fails leaves its half-built copy (<index>_ccnew) behind, invalid; remove it.
        if (step.outcome === "skipped") await dropLeftovers(client, index.schema, index.name);
        const after = await client.query<{ bytes: string }>("select pg_relation_size($1::regclass) as bytes", [relation]);
        record(
            {
                action: "reindex concurrently",
                target: `${index.schema}.${index.name}`,
                ...step,
                detail: `leaf density ${index.density.toFixed(0)}%, ${mib(index.bytes)} -> ${mib(Number(after.rows[0].bytes))}`,
            },
            bloated.length,
        );
    }
    return { steps };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function timed(client: Client, sql: string, o: MaintenanceOptions): Promise<Pick<MaintenanceStep, "outcome" | "reason" | "seconds">> {
    const started = Date.now();
    // VACUUM does not fail on a table it may not touch: it warns and skips, and that warning is the reason.
    const notices: string[] = [];
    const onNotice = (n: { message?: string }) => n.message && /skipping/.test(n.message) && notices.push(n.message);
    client.on("notice", onNotice);
    try {
        await client.query(sql);
        const seconds = (Date.now() - started) / 1000;
        return notices.length > 0 ? { outcome: "skipped", reason: notices.join("; "), seconds } : { outcome: "done", seconds };
    } catch (error) {
        const seconds = (Date.now() - started) / 1000;
        const code = (error as { code?: string }).code;
        if (code === "55P03")
            return {
                outcome: "skipped",
                reason: `another session held a conflicting lock for ${o.lockTimeoutMs} ms (lock_timeout)`,
                seconds,
            };
        if (code === "57014")
            return { outcome: "skipped", reason: `stopped after ${o.statementTimeoutMs} ms (statement_timeout)`, seconds };
        throw error;
    } finally {
        client.off("notice", onNotice);
    }
}

async function bloatedIndexes(
    client: Client,
    minLeafDensity: number,
    tables: Set<string>,
): Promise<Array<{ schema: string; name: string; table: string; density: number; bytes: number }>> {
    const found = await client.query<{ schema: string; name: string; table: string; density: number; bytes: string }>(
        `select n.nspname as schema, ci.relname as name, n.nspname || '.' || ct.relname as table,
                s.avg_leaf_density as density, pg_relation_size(ci.oid) as bytes
           from pg_index x
           join pg_class ci on ci.oid = x.indexrelid
           join pg_class ct on ct.oid = x.indrelid
           join pg_namespace n on n.oid = ci.relnamespace
           join pg_am am on am.oid = ci.relam
          cross join lateral pgstatindex(ci.oid) s
          where am.amname = 'btree' and x.indisvalid and ct.relkind = 'r'
            and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp)'
            and pg_relation_size(ci.oid) >= $1 and s.avg_leaf_density < $2
          order by pg_relation_size(ci.oid) desc`,
        [MIN_INDEX_BYTES, minLeafDensity],
    );
    return found.rows.filter((r) => tables.has(r.table)).map((r) => ({ ...r, density: Number(r.density), bytes: Number(r.bytes) }));
}

async function dropLeftovers(client: Client, schema: string, index: string): Promise<void> {
    const leftovers = await client.query<{ name: string }>(
        `select c.relname as name from pg_index x join pg_class c on c.oid = x.indexrelid join pg_namespace n on n.oid = c.relnamespace
          where not x.indisvalid and n.nspname = $1 and c.relname like $2`,
        [schema, `${index}_ccnew%`],
    );
    for (const { name } of leftovers.rows)
        await client.query(`drop index concurrently if exists ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`);
}
