import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withPostgres } from "../../ops/postgres/connect";
import { killIdleInTransaction } from "../../ops/postgres/idle";
import { postgresStats } from "../../ops/postgres/stats";
import { runCli } from "../support/cli";
import { type PostgresServer, startPostgresServer } from "../support/postgresServer";

/** PostgreSQL runbooks against a real PostgreSQL server started for the tests (Debian's packages, loopback). */
describe("mcp-ops postgres", () => {
    let server: PostgresServer;
    const open: Client[] = [];
    const target = () => ({ url: `postgres://postgres@127.0.0.1:${server.port}/postgres`, password: server.password });
    const session = async (user: "postgres" | "app") => {
        const client = new Client({
            host: "127.0.0.1",
            port: server.port,
            database: "postgres",
            user,
            password: user === "app" ? "app-password" : server.password,
        });
        client.on("error", () => undefined);
        await client.connect();
        open.push(client);
        return client;
    };

    beforeAll(async () => {
        server = await startPostgresServer();
        const admin = await session("postgres");
        await admin.query("create role app login password 'app-password'");
        await admin.query("create table orders (id serial primary key, customer int not null, note text)");
        await admin.query("insert into orders (customer, note) select g % 500, md5(g::text) from generate_series(1, 20000) g");
        await admin.query("create index orders_customer on orders (customer)");
        await admin.query("create index orders_customer_again on orders (customer)");
        await admin.query("create index orders_note on orders (note)");
        await admin.query("delete from orders where id % 2 = 0");
        await admin.query("select pg_stat_force_next_flush()");
    });
    afterAll(async () => {
        await Promise.all(open.map((c) => c.end().catch(() => undefined)));
        await server?.stop();
    });

    it("reports sizes, dead rows, unused and duplicate indexes, and says when pg_stat_statements is missing", async () => {
        const stats = await withPostgres(target(), (client) => postgresStats(client));
        expect(stats.version).toMatch(/^\d+\.\d+/);
        const orders = stats.tables.find((t) => t.table === "public.orders")!;
        expect(orders.liveRows).toBe(10000);
        expect(orders.deadRows).toBe(10000);
        expect(stats.duplicateIndexes).toEqual([{ table: "orders", indexes: ["orders_customer", "orders_customer_again"] }]);
        expect(stats.unusedIndexes.map((i) => i.index).sort()).toEqual([
            "public.orders_customer",
            "public.orders_customer_again",
            "public.orders_note",
        ]);
        expect(stats.cacheHitRatio).toBeGreaterThan(0);
        expect(stats.cacheHitRatio).toBeLessThanOrEqual(1);
        expect(stats.replication).toEqual([]);
        expect(stats.statements).toEqual({
            unavailable:
                "pg_stat_statements is not installed in this database; add it to shared_preload_libraries and run CREATE EXTENSION " +
                "pg_stat_statements",
        });
    });

    it("lists the slowest statements once pg_stat_statements is there", async () => {
        const admin = await session("postgres");
        await admin.query("create extension pg_stat_statements");
        await admin.query("select count(*) from orders o1 join orders o2 on o1.customer = o2.customer");
        const stats = await withPostgres(target(), (client) => postgresStats(client));
        expect("top" in stats.statements && stats.statements.top.some((s) => s.query.includes("join orders o2"))).toBe(true);
    });

    it(
        "terminates sessions idle in a transaction past the age, and no other: not idle ones, not superusers unless asked, never its " +
            "own",
        async () => {
            const forgotten = await session("app");
            const forgottenPid = (await forgotten.query("select pg_backend_pid() as pid")).rows[0].pid;
            await forgotten.query("begin; select 1");
            const admin = await session("postgres");
            await admin.query("begin; select 1");
            const idle = await session("app");
            await idle.query("select 1");
            // Idle for longer than the age of one second used below.
            await new Promise((r) => setTimeout(r, 1500));

            const preview = await withPostgres(target(), (c) => killIdleInTransaction(c, { olderThanSeconds: 1, preview: true }));
            expect(preview.sessions.map((s) => [s.pid, s.user])).toEqual([[forgottenPid, "app"]]);
            expect(preview.terminated).toEqual([]);
            const withSuperusers = await withPostgres(target(), (c) =>
                killIdleInTransaction(c, { olderThanSeconds: 1, includeSuperusers: true, preview: true }),
            );
            expect(withSuperusers.sessions.map((s) => s.user).sort()).toEqual(["app", "postgres"]);

            const done = await withPostgres(target(), (c) => killIdleInTransaction(c, { olderThanSeconds: 1, preview: false }));
            expect(done.terminated).toEqual([forgottenPid]);
            await expect(forgotten.query("select 1")).rejects.toThrow();
            expect((await idle.query("select 1 as one")).rows[0].one).toBe(1);
            expect((await admin.query("select 1 as one")).rows[0].one).toBe(1);
            await admin.query("rollback");
        },
    );

    it("reads the password from the environment through the real executable, and refuses one in the URL", async () => {
        const url = `postgres://postgres@127.0.0.1:${server.port}/postgres`;
        const ok = await runCli(["postgres", "stats", "--url", url, "--json"], { PGPASSWORD: server.password });
        expect(ok.code, ok.stderr).toBe(0);
        expect(JSON.parse(ok.stdout).databases.map((d: { name: string }) => d.name)).toContain("postgres");
        const inUrl = await runCli([
            "postgres",
            "stats",
            "--url",
            `postgres://postgres:${server.password}@127.0.0.1:${server.port}/postgres`,
        ]);
        expect(inUrl.code).toBe(64);
        expect(inUrl.stderr).not.toContain(server.password);
    });

    it("says what is wrong, without the password: a wrong password, an unreachable server", async () => {
        const wrong = await runCli(["postgres", "stats", "--url", `postgres://postgres@127.0.0.1:${server.port}/postgres`], {
            PGPASSWORD: "not-the-password",
        });
        expect(wrong.code).toBe(69);
        expect(wrong.stderr).toBe(
            `mcp-ops: PostgreSQL at 127.0.0.1:${server.port}/postgres rejected the password; use the current value of the ` +
                `postgres-password secret\n`,
        );
        const down = await runCli(["postgres", "stats", "--url", "postgres://postgres@127.0.0.1:1/postgres"], { PGPASSWORD: "x" });
        expect(down.code).toBe(69);
        expect(down.stderr).toMatch(
            /^mcp-ops: PostgreSQL at 127\.0\.0\.1:1\/postgres is unreachable \(.+\); for an in-cluster server use kubectl/,
        );
    });
});
