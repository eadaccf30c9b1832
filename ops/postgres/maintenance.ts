import type { Client } from "pg";
import { InvalidInputError } from "../errors";
import { bindSession, type Bounds, boundedStep, type StepOutcome } from "./boundedStep";
import { userTables } from "./manifest";
import { reindexBloated, type ReindexStep } from "./reindex";

export interface MaintenanceOptions extends Bounds {
    /** Rebuild (CONCURRENTLY) the b-tree indexes whose leaf pages are less full than minLeafDensity. */
    reindex: boolean;
    /** Percent, 0-100. */
    minLeafDensity: number;
    /** schema.name; all user tables when absent. */
    tables?: string[];
    onStep?: (step: MaintenanceStep, done: number, total: number) => void;
}

export interface MaintenanceStep extends StepOutcome {
    action: "vacuum (analyze)" | ReindexStep["action"];
    /** schema.name of the table, or of the index for a reindex. */
    target: string;
    detail?: string;
}

export interface MaintenanceReport {
    steps: MaintenanceStep[];
    /** Why no index was considered for a rebuild, when --reindex could not measure bloat. */
    reindexUnavailable?: string;
}

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
    await bindSession(client, o);

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
        const step = await boundedStep(client, `vacuum (analyze) ${table.relation}`, o);
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
    await reindexBloated(client, new Set(tables.map((t) => `${t.schema}.${t.name}`)), o, record);
    return { steps };
}
