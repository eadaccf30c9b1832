import type { Client } from "pg";
import { type Bounds, boundedStep, type StepOutcome } from "./boundedStep";

/** Indexes this small are never worth rebuilding, whatever their density. */
const MIN_INDEX_BYTES = 1 << 20;

export interface ReindexStep extends StepOutcome {
    action: "reindex concurrently" | "drop invalid index";
    /** schema.name of the index. */
    target: string;
    detail?: string;
}

/** REINDEX CONCURRENTLY waits for older transactions as well as locks; the skip reason says so. */
const WAITED_FOR_REINDEX = "a conflicting lock or an older open transaction (REINDEX CONCURRENTLY waits for them) was not released";

/**
 * Rebuilds, without blocking reads or writes, the b-tree indexes of `tables` whose leaf pages are
 * less full than `minLeafDensity` percent (measured with pgstattuple). Invalid copies left by an
 * interrupted rebuild (<index>_ccnew) are dropped first; one that cannot be dropped yet is reported.
 */
export async function reindexBloated(
    client: Client,
    tables: ReadonlySet<string>,
    o: Bounds & { minLeafDensity: number },
    onStep: (step: ReindexStep, total: number) => void,
): Promise<void> {
    const leftovers = await invalidLeftovers(client, tables);
    for (const index of leftovers) {
        const step = await boundedStep(client, `drop index concurrently if exists ${index.relation}`, o, WAITED_FOR_REINDEX);
        onStep({ action: "drop invalid index", target: index.target, ...step, detail: "left by an interrupted rebuild" }, leftovers.length);
    }
    const candidates = await candidateIndexes(client, tables);
    for (const index of candidates) {
        let density = 100;
        // Measuring takes a lock too: an index whose table is locked elsewhere is skipped like a table.
        const measured = await boundedStep(
            client,
            async () => {
                const r = await client.query<{ d: number }>("select avg_leaf_density as d from pgstatindex($1::regclass)", [
                    index.relation,
                ]);
                density = Number(r.rows[0].d);
            },
            o,
        );
        if (measured.outcome === "skipped") {
            onStep({ action: "reindex concurrently", target: index.target, ...measured }, candidates.length);
            continue;
        }
        if (density >= o.minLeafDensity) continue;
        const step = await boundedStep(client, `reindex index concurrently ${index.relation}`, o, WAITED_FOR_REINDEX);
        const after = await client.query<{ bytes: string }>("select pg_relation_size($1::regclass) as bytes", [index.relation]);
        const detail = `leaf density ${density.toFixed(0)}%, ${mib(index.bytes)} -> ${mib(Number(after.rows[0].bytes))}`;
        const left = step.outcome === "skipped" ? (await invalidLeftovers(client, tables)).map((l) => l.target) : [];
        onStep(
            {
                action: "reindex concurrently",
                target: index.target,
                ...step,
                detail: left.length > 0 ? `${detail}; invalid copy ${left.join(", ")} is dropped by the next run` : detail,
            },
            candidates.length,
        );
    }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

interface IndexRef {
    /** schema.name */
    target: string;
    /** Quoted, for SQL. */
    relation: string;
    bytes: number;
}

const INDEXES_OF_USER_TABLES = `
select n.nspname as schema, ci.relname as name, n.nspname || '.' || ct.relname as table, pg_relation_size(ci.oid) as bytes,
       x.indisvalid as valid
  from pg_index x
  join pg_class ci on ci.oid = x.indexrelid
  join pg_class ct on ct.oid = x.indrelid
  join pg_namespace n on n.oid = ci.relnamespace
  join pg_am am on am.oid = ci.relam
 where am.amname = 'btree' and ct.relkind = 'r'
   and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp)'
 order by pg_relation_size(ci.oid) desc`;

async function indexesOf(client: Client, tables: ReadonlySet<string>): Promise<Array<IndexRef & { name: string; valid: boolean }>> {
    const found = await client.query<{ schema: string; name: string; table: string; bytes: string; valid: boolean }>(
        INDEXES_OF_USER_TABLES,
    );
    return found.rows
        .filter((r) => tables.has(r.table))
        .map((r) => ({
            name: r.name,
            valid: r.valid,
            target: `${r.schema}.${r.name}`,
            relation: `${client.escapeIdentifier(r.schema)}.${client.escapeIdentifier(r.name)}`,
            bytes: Number(r.bytes),
        }));
}

/** The valid b-tree indexes big enough to be worth a rebuild, largest first. */
const candidateIndexes = async (client: Client, tables: ReadonlySet<string>) =>
    (await indexesOf(client, tables)).filter((i) => i.valid && i.bytes >= MIN_INDEX_BYTES);

/** The invalid copies an interrupted REINDEX CONCURRENTLY leaves behind. */
const invalidLeftovers = async (client: Client, tables: ReadonlySet<string>) =>
    (await indexesOf(client, tables)).filter((i) => !i.valid && /_ccnew\d*$/.test(i.name));
