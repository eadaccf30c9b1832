import { z } from "zod";

/**
 * The PostgreSQL parameters `mcp:postgres.settings` may set on the in-cluster server (the
 * database-tuning runbook's list), each with the form and range the server itself accepts, so
 * a typo or an out-of-range value is refused at preview instead of crash-looping the database.
 * Memory is written as PostgreSQL writes it ("16MB", "4GB"), durations too ("30s", "5min").
 */
type Spec =
    | { kind: "int"; min: number; max: number }
    | { kind: "number"; min: number; max: number }
    | { kind: "memory"; minBytes: number }
    | { kind: "duration"; minSeconds: number; maxSeconds: number };

export const POSTGRES_SETTINGS: Record<string, Spec> = {
    max_connections: { kind: "int", min: 10, max: 10_000 },
    shared_buffers: { kind: "memory", minBytes: 128 * 2 ** 10 },
    effective_cache_size: { kind: "memory", minBytes: 8 * 2 ** 10 },
    maintenance_work_mem: { kind: "memory", minBytes: 2 ** 20 },
    work_mem: { kind: "memory", minBytes: 64 * 2 ** 10 },
    max_wal_size: { kind: "memory", minBytes: 32 * 2 ** 20 },
    random_page_cost: { kind: "number", min: 0, max: 1000 },
    effective_io_concurrency: { kind: "int", min: 0, max: 1000 },
    autovacuum_max_workers: { kind: "int", min: 1, max: 64 },
    autovacuum_vacuum_scale_factor: { kind: "number", min: 0, max: 1 },
    autovacuum_analyze_scale_factor: { kind: "number", min: 0, max: 1 },
    checkpoint_timeout: { kind: "duration", minSeconds: 30, maxSeconds: 86_400 },
    idle_in_transaction_session_timeout: { kind: "duration", minSeconds: 0, maxSeconds: 86_400 },
    statement_timeout: { kind: "duration", minSeconds: 0, maxSeconds: 86_400 },
    log_min_duration_statement: { kind: "duration", minSeconds: 0, maxSeconds: 86_400 },
};

const MEMORY_UNITS: Record<string, number> = { kB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 };
const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, min: 60, h: 3600, d: 86_400 };

/** PostgreSQL memory ("16MB") in bytes, or undefined. */
export function postgresBytes(value: unknown): number | undefined {
    const m = typeof value === "string" ? /^(\d+)(kB|MB|GB|TB)$/.exec(value) : null;
    return m ? Number(m[1]) * MEMORY_UNITS[m[2]] : undefined;
}

function postgresSeconds(value: unknown): number | undefined {
    const m = typeof value === "string" ? /^(\d+)(ms|s|min|h|d)$/.exec(value) : null;
    return m ? Number(m[1]) * DURATION_UNITS[m[2]] : undefined;
}

function valueSchema(spec: Spec) {
    switch (spec.kind) {
        case "int":
            return z.int().min(spec.min).max(spec.max);
        case "number":
            return z.number().min(spec.min).max(spec.max);
        case "memory":
            return z.string().refine((v) => (postgresBytes(v) ?? -1) >= spec.minBytes, {
                error: `must be a PostgreSQL memory size such as "16MB" or "4GB", at least ${spec.minBytes / 2 ** 10}kB`,
            });
        case "duration":
            return z.string().refine(
                (v) => {
                    const s = postgresSeconds(v);
                    return s !== undefined && s >= spec.minSeconds && s <= spec.maxSeconds;
                },
                { error: `must be a PostgreSQL duration such as "500ms", "30s" or "5min", from ${spec.minSeconds}s to 1d` },
            );
    }
}

export const postgresSettingsSchema = z.strictObject(
    Object.fromEntries(Object.entries(POSTGRES_SETTINGS).map(([name, spec]) => [name, valueSchema(spec).optional()])),
);

export type PostgresSettings = Partial<Record<keyof typeof POSTGRES_SETTINGS, string | number>>;

/**
 * What the server always runs with: pg_stat_statements loaded, for `mcp-ops postgres stats`'
 * slowest statements (loading it needs a restart, so it is declared, not done by hand).
 */
export const POSTGRES_BASE_SETTINGS: Record<string, string> = {
    shared_preload_libraries: "pg_stat_statements",
    "pg_stat_statements.track": "top",
};

/** Base settings and the configured ones, as `postgres -c name=value` arguments. */
export function postgresServerArgs(settings: PostgresSettings): string[] {
    return Object.entries({ ...POSTGRES_BASE_SETTINGS, ...settings }).flatMap(([name, value]) => ["-c", `${name}=${value}`]);
}
