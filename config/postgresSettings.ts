import { z } from "zod";
import { type BaseUnit, postgresInteger, postgresReal } from "./postgresValues";

/**
 * The PostgreSQL parameters `mcp:postgres.settings` may set on the in-cluster server (the
 * database-tuning runbook's list). Each value is read as the server reads it (config/postgresValues.ts:
 * "16MB", "16 MB", "1.5GB", a bare number in the parameter's base unit) and must lie within the
 * server's own range and the platform's, so a typo or an out-of-range value is refused at preview
 * instead of crash-looping the database. test/integration/configReceivers.test.ts holds this
 * against a real server's `postgres -C`.
 */
type Spec = { kind: "integer" | "real"; unit?: BaseUnit; min: number; max: number };

const INT_MAX = 2 ** 31 - 1;
const PAGES: BaseUnit = { kind: "memory", bytes: 8192 };
const KILOBYTES: BaseUnit = { kind: "memory", bytes: 1024 };
const MEGABYTES: BaseUnit = { kind: "memory", bytes: 1024 ** 2 };
const SECONDS: BaseUnit = { kind: "time", ms: 1000 };
const MILLISECONDS: BaseUnit = { kind: "time", ms: 1 };
/** The platform's longest timeout: a day, in milliseconds. */
const DAY_MS = 86_400_000;

/** Ranges in the base unit; where the platform has none of its own, the server's (shared_buffers: INT_MAX / 2 pages). */
export const POSTGRES_SETTINGS: Record<string, Spec> = {
    max_connections: { kind: "integer", min: 10, max: 10_000 },
    shared_buffers: { kind: "integer", unit: PAGES, min: 16, max: Math.floor(INT_MAX / 2) },
    effective_cache_size: { kind: "integer", unit: PAGES, min: 1, max: INT_MAX },
    maintenance_work_mem: { kind: "integer", unit: KILOBYTES, min: 1024, max: INT_MAX },
    work_mem: { kind: "integer", unit: KILOBYTES, min: 64, max: INT_MAX },
    max_wal_size: { kind: "integer", unit: MEGABYTES, min: 32, max: INT_MAX },
    random_page_cost: { kind: "real", min: 0, max: 1000 },
    effective_io_concurrency: { kind: "integer", min: 0, max: 1000 },
    autovacuum_max_workers: { kind: "integer", min: 1, max: 64 },
    autovacuum_vacuum_scale_factor: { kind: "real", min: 0, max: 1 },
    autovacuum_analyze_scale_factor: { kind: "real", min: 0, max: 1 },
    checkpoint_timeout: { kind: "integer", unit: SECONDS, min: 30, max: DAY_MS / 1000 },
    idle_in_transaction_session_timeout: { kind: "integer", unit: MILLISECONDS, min: 0, max: DAY_MS },
    statement_timeout: { kind: "integer", unit: MILLISECONDS, min: 0, max: DAY_MS },
    // -1 turns statement logging off.
    log_min_duration_statement: { kind: "integer", unit: MILLISECONDS, min: -1, max: DAY_MS },
};

/** A setting's value in its base unit as the server reads it, or undefined where it would refuse it or the platform's range does. */
export function postgresSettingValue(name: string, value: unknown): number | undefined {
    const spec = POSTGRES_SETTINGS[name];
    if (!spec || (typeof value !== "string" && typeof value !== "number")) return undefined;
    // The server gets `-c name=value` with the value as the stack file's YAML gives it.
    const parsed = spec.kind === "real" ? postgresReal(String(value)) : postgresInteger(String(value), spec.unit);
    return parsed !== undefined && parsed >= spec.min && parsed <= spec.max ? parsed : undefined;
}

/** A memory setting in bytes ("16MB" -> 16777216), or undefined. */
export function postgresSettingBytes(name: string, value: unknown): number | undefined {
    const unit = POSTGRES_SETTINGS[name]?.unit;
    const amount = postgresSettingValue(name, value);
    return unit?.kind === "memory" && amount !== undefined ? amount * unit.bytes : undefined;
}

const MEMORY_NAMES: ReadonlyArray<[string, number]> = [
    ["TB", 1024 ** 4],
    ["GB", 1024 ** 3],
    ["MB", 1024 ** 2],
    ["kB", 1024],
];
const TIME_NAMES: ReadonlyArray<[string, number]> = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["min", 60_000],
    ["s", 1000],
    ["ms", 1],
];

/** An amount of a base unit as PostgreSQL would write it: the largest unit that divides it. */
function written(amount: number, unit: BaseUnit | undefined): string {
    if (!unit || amount <= 0) return String(amount);
    const [names, size] = unit.kind === "memory" ? [MEMORY_NAMES, unit.bytes] : [TIME_NAMES, unit.ms];
    const total = amount * size;
    const [name, factor] = names.find(([, f]) => total % f === 0) ?? names[names.length - 1];
    return `${total / factor}${name}`;
}

function problem(spec: Spec): string {
    // The server's own ceilings (INT_MAX, or INT_MAX / 2 pages: terabytes) say nothing a user needs.
    const range =
        spec.max >= Math.floor(INT_MAX / 2)
            ? `at least ${written(spec.min, spec.unit)}`
            : `from ${written(spec.min, spec.unit)} to ${written(spec.max, spec.unit)}`;
    if (spec.kind === "real") return `must be a number ${range}`;
    if (!spec.unit) return `must be a whole number ${range}`;
    const bare = `a bare number counts in ${written(1, spec.unit)}`;
    return spec.unit.kind === "memory"
        ? `must be a PostgreSQL memory size such as "16MB" or "4GB" (units B, kB, MB, GB, TB as written; ${bare}), ${range}`
        : `must be a PostgreSQL duration such as "500ms", "30s" or "5min" (units us, ms, s, min, h, d; ${bare}), ${range}`;
}

export const postgresSettingsSchema = z.strictObject(
    Object.fromEntries(
        Object.entries(POSTGRES_SETTINGS).map(([name, spec]) => [
            name,
            z
                .union([z.string(), z.number()])
                .refine((value) => postgresSettingValue(name, value) !== undefined, { error: problem(spec) })
                .optional(),
        ]),
    ),
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
