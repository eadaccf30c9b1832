import type { Client } from "pg";

export interface PostgresStats {
    version: string;
    inRecovery: boolean;
    databases: Array<{ name: string; bytes: number }>;
    tables: Array<{
        table: string;
        bytes: number;
        liveRows: number;
        deadRows: number;
        lastVacuum: string | null;
        lastAutovacuum: string | null;
        lastAnalyze: string | null;
        lastAutoanalyze: string | null;
    }>;
    connections: Array<{ state: string; count: number; oldestSeconds: number | null }>;
    /** Share of block reads served from shared buffers; null before any read. */
    cacheHitRatio: number | null;
    unusedIndexes: Array<{ index: string; table: string; bytes: number }>;
    duplicateIndexes: Array<{ table: string; indexes: string[] }>;
    /** Per replica on a primary; on a replica, its own replay lag. */
    replication: Array<{ replica: string; state: string; replayLagSeconds: number | null }>;
    /** The slowest statements by total time, or why they cannot be shown. */
    statements: { top: Array<{ query: string; calls: number; totalMs: number; meanMs: number }> } | { unavailable: string };
}

const rows = async <T>(client: Client, sql: string): Promise<T[]> => (await client.query(sql)).rows as T[];
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);

/** What the database maintenance runbook looks at, read from PostgreSQL's statistics views only (no table is scanned). */
export async function postgresStats(client: Client, o: { tables?: number; statements?: number } = {}): Promise<PostgresStats> {
    const [{ version, in_recovery }] = await rows<{ version: string; in_recovery: boolean }>(
        client,
        "select current_setting('server_version') as version, pg_is_in_recovery() as in_recovery",
    );
    const databases = await rows<{ name: string; bytes: string }>(
        client,
        "select datname as name, pg_database_size(datname) as bytes from pg_database where not datistemplate order by 2 desc",
    );
    const tables = await rows<Record<string, unknown>>(
        client,
        `select schemaname || '.' || relname as table, pg_total_relation_size(relid) as bytes, n_live_tup, n_dead_tup,
                last_vacuum, last_autovacuum, last_analyze, last_autoanalyze
           from pg_stat_user_tables order by 2 desc limit ${o.tables ?? 20}`,
    );
    const connections = await rows<{ state: string; count: string; oldest: string | null }>(
        client,
        `select coalesce(state, 'unknown') as state, count(*) as count, extract(epoch from max(now() - state_change)) as oldest
           from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid() group by 1 order by 1`,
    );
    const [{ ratio }] = await rows<{ ratio: string | null }>(
        client,
        "select sum(blks_hit)::float / nullif(sum(blks_hit) + sum(blks_read), 0) as ratio from pg_stat_database",
    );
    const unused = await rows<{ index: string; table: string; bytes: string }>(
        client,
        `select s.schemaname || '.' || s.indexrelname as index, s.schemaname || '.' || s.relname as table,
                pg_relation_size(s.indexrelid) as bytes
           from pg_stat_user_indexes s join pg_index i on i.indexrelid = s.indexrelid
          where s.idx_scan = 0 and not i.indisunique and not i.indisprimary order by 3 desc`,
    );
    const duplicates = await rows<{ table: string; indexes: string[] }>(
        client,
        `select indrelid::regclass::text as table, array_agg(indexrelid::regclass::text order by indexrelid::regclass::text) as indexes
           from pg_index group by indrelid, indkey::text, indclass::text, coalesce(indexprs::text, ''), coalesce(indpred::text, '')
         having count(*) > 1`,
    );
    const replication = in_recovery
        ? await rows<{ replica: string; state: string; lag: string | null }>(
              client,
              "select 'this server' as replica, 'replaying' as state, extract(epoch from now() - pg_last_xact_replay_timestamp()) as lag",
          )
        : await rows<{ replica: string; state: string; lag: string | null }>(
              client,
              "select coalesce(application_name, client_addr::text) as replica, state, extract(epoch from replay_lag) as lag from " +
                  "pg_stat_replication",
          );
    return {
        version,
        inRecovery: in_recovery,
        databases: databases.map((d) => ({ name: d.name, bytes: Number(d.bytes) })),
        tables: tables.map((t) => ({
            table: String(t.table),
            bytes: Number(t.bytes),
            liveRows: Number(t.n_live_tup),
            deadRows: Number(t.n_dead_tup),
            lastVacuum: iso(t.last_vacuum),
            lastAutovacuum: iso(t.last_autovacuum),
            lastAnalyze: iso(t.last_analyze),
            lastAutoanalyze: iso(t.last_autoanalyze),
        })),
        connections: connections.map((c) => ({ state: c.state, count: Number(c.count), oldestSeconds: num(c.oldest) })),
        cacheHitRatio: num(ratio),
        unusedIndexes: unused.map((u) => ({ index: u.index, table: u.table, bytes: Number(u.bytes) })),
        duplicateIndexes: duplicates,
        replication: replication.map((r) => ({ replica: r.replica, state: r.state, replayLagSeconds: num(r.lag) })),
        statements: await topStatements(client, o.statements ?? 10),
    };
}

async function topStatements(client: Client, limit: number): Promise<PostgresStats["statements"]> {
    const [{ installed }] = await rows<{ installed: boolean }>(
        client,
        "select exists (select 1 from pg_extension where extname = 'pg_stat_statements') as installed",
    );
    if (!installed) {
        return {
            unavailable:
                "pg_stat_statements is not installed in this database; add it to shared_preload_libraries and run CREATE EXTENSION " +
                "pg_stat_statements",
        };
    }
    try {
        const top = await rows<{ query: string; calls: string; total: string; mean: string }>(
            client,
            `select query, calls, total_exec_time as total, mean_exec_time as mean from pg_stat_statements order by total_exec_time desc ` +
                `limit ${limit}`,
        );
        return { top: top.map((s) => ({ query: s.query, calls: Number(s.calls), totalMs: Number(s.total), meanMs: Number(s.mean) })) };
    } catch (error) {
        return { unavailable: `pg_stat_statements cannot be read: ${(error as Error).message.split("\n")[0]}` };
    }
}
