import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli";
import { type PostgresServer, startPostgresServer } from "../support/postgresServer";

const LOCK_TIMEOUT_MS = 500;

/** `mcp-ops postgres maintenance` against a real PostgreSQL server that is being written to while it runs. */
describe("mcp-ops postgres maintenance", () => {
    let server: PostgresServer;
    let dir: string;
    const clients: Client[] = [];
    const connect = async () => {
        const client = new Client({ connectionString: server.url });
        client.on("error", () => undefined);
        await client.connect();
        clients.push(client);
        return client;
    };
    const maintenance = (...args: string[]) =>
        runCli(["postgres", "maintenance", "--url", `postgres://postgres@127.0.0.1:${server.port}/postgres`, ...args], {
            PGPASSWORD: server.password,
        });

    beforeAll(async () => {
        server = await startPostgresServer();
        dir = mkdtempSync(join(tmpdir(), "mcp-pg-maintenance-"));
        const admin = await connect();
        await admin.query("create table orders (id bigserial primary key, customer int not null, note text)");
        await admin.query("insert into orders (customer, note) select g % 1000, md5(g::text) from generate_series(1, 300000) g");
        await admin.query("create index orders_customer on orders (customer)");
        // The vacuuming under test is the command's, not autovacuum's.
        await admin.query("alter table orders set (autovacuum_enabled = false)");
        // Nine rows in ten deleted: dead rows for VACUUM, and b-tree leaf pages a tenth full for REINDEX.
        await admin.query("delete from orders where id % 10 <> 0");
        await admin.query("select pg_stat_force_next_flush()");
        await admin.query("create table audit (id int primary key, what text)");
        await admin.query("insert into audit select g, 'x' from generate_series(1, 1000) g");
    });
    afterAll(async () => {
        await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
        await server?.stop();
        rmSync(dir, { recursive: true, force: true });
    });

    it("says the index bloat needs pgstattuple when it is missing, after backing up first", async () => {
        const run = await maintenance("--backup-dir", dir, "--reindex", "--table", "public.audit");
        expect(run.code, run.stderr).toBe(0);
        expect(run.stderr.indexOf("backup first:")).toBeLessThan(run.stderr.indexOf("[1/1] vacuum (analyze) public.audit: done"));
        expect(readdirSync(dir).filter((f) => f.endsWith(".dump"))).toHaveLength(1);
        expect(run.stdout).toContain("reindex: index bloat is measured with the pgstattuple extension, which this database lacks");
    });

    it(
        "vacuums and reindexes under a concurrent writer that never fails nor waits longer than the lock timeout; a held lock or " +
            "an old open transaction makes it skip, not wait",
        async () => {
            const admin = await connect();
            await admin.query("create extension pgstattuple");
            const writer = await connect();
            // A writer that waits on a lock for longer than maintenance's lock timeout fails: waits are bounded, not timed.
            await writer.query(`set lock_timeout = ${LOCK_TIMEOUT_MS}`);
            let writing = true;
            let statements = 0;
            const errors: string[] = [];
            const writes = (async () => {
                while (writing) {
                    try {
                        await writer.query("insert into orders (customer, note) values ($1, 'during maintenance')", [statements % 1000]);
                        await writer.query("update orders set note = 'touched' where id = $1", [10 * (1 + (statements % 30000))]);
                    } catch (error) {
                        errors.push((error as Error).message);
                    }
                    statements += 2;
                }
            })();
            const bounded = ["--no-backup", "--reindex", "--lock-timeout", `${LOCK_TIMEOUT_MS}ms`, "--json"];
            const steps = (run: { stdout: string }) =>
                (JSON.parse(run.stdout).steps as Array<{ action: string; target: string; outcome: string; reason?: string }>).map((s) => [
                    s.action,
                    s.target,
                    s.outcome,
                    s.reason ?? "",
                ]);
            let held, free;
            try {
                // A long transaction holding a snapshot and audit's lock: maintenance gives up on what must wait for it.
                const migration = await connect();
                await migration.query("begin isolation level repeatable read");
                await migration.query("select count(*) from orders");
                await migration.query("lock table audit in access exclusive mode");
                try {
                    held = await maintenance(...bounded);
                } finally {
                    await migration.query("rollback");
                }
                free = await maintenance(...bounded);
            } finally {
                writing = false;
                await writes;
            }
            expect(held.code, held.stderr).toBe(0);
            const lockReason = `another session held a conflicting lock for ${LOCK_TIMEOUT_MS} ms (lock_timeout)`;
            const waitReason =
                "a conflicting lock or an older open transaction (REINDEX CONCURRENTLY waits for them) was not released for " +
                `${LOCK_TIMEOUT_MS} ms (lock_timeout)`;
            expect(steps(held)).toEqual([
                ["vacuum (analyze)", "public.audit", "skipped", lockReason],
                ["vacuum (analyze)", "public.orders", "done", ""],
                ["reindex concurrently", "public.orders_pkey", "skipped", waitReason],
                ["reindex concurrently", "public.orders_customer", "skipped", waitReason],
            ]);
            // The 270,000 rows made dead before, plus those the concurrent writer's updates add by the time the statistics are read.
            const deadBefore = /\[2\/2\] vacuum \(analyze\) public\.orders: done in [\d.]+ s, (\d+) dead rows before/.exec(held.stderr);
            expect(deadBefore, held.stderr).not.toBeNull();
            expect(Number(deadBefore![1])).toBeGreaterThanOrEqual(270_000);
            expect(Number(deadBefore![1])).toBeLessThanOrEqual(270_000 + statements);
            expect(held.stderr).toContain("invalid copy public.orders_pkey_ccnew is dropped by the next run");

            expect(free.code, free.stderr).toBe(0);
            expect(steps(free)).toEqual([
                ["vacuum (analyze)", "public.audit", "done", ""],
                ["vacuum (analyze)", "public.orders", "done", ""],
                ["drop invalid index", "public.orders_pkey_ccnew", "done", ""],
                ["drop invalid index", "public.orders_customer_ccnew", "done", ""],
                ["reindex concurrently", "public.orders_pkey", "done", ""],
                ["reindex concurrently", "public.orders_customer", "done", ""],
            ]);

            expect(errors).toEqual([]);
            expect(statements).toBeGreaterThan(100);

            const after = await admin.query(
                `select c.relname as name, s.avg_leaf_density as density, x.indisvalid as valid
                   from pg_index x join pg_class c on c.oid = x.indexrelid, lateral pgstatindex(c.oid) s
                  where x.indrelid = 'orders'::regclass order by 1`,
            );
            expect(after.rows.map((r) => [r.name, r.valid])).toEqual([
                ["orders_customer", true],
                ["orders_pkey", true],
            ]);
            for (const row of after.rows) expect(Number(row.density)).toBeGreaterThan(50);
            const dead = await admin.query("select n_dead_tup as n from pg_stat_user_tables where relname = 'orders'");
            expect(Number(dead.rows[0].n)).toBeLessThan(1000);
        },
    );

    it("refuses a duration it cannot read and a table that does not exist, before touching anything", async () => {
        const badAge = await maintenance("--no-backup", "--lock-timeout", "soon");
        expect(badAge.code).toBe(64);
        expect(badAge.stderr).toBe('mcp-ops: --lock-timeout "soon" is not a duration; write it as 500ms, 3s, 5m or 1h\n');
        const badTable = await maintenance("--no-backup", "--table", "public.nope");
        expect(badTable.code).toBe(64);
        expect(badTable.stderr).toContain("no such table: public.nope (write them as schema.name)");
    });
});
