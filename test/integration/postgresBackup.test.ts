import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, createServer } from "node:net";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MCP_OPS_IMAGE } from "../../config/images";
import { fileSha256 } from "../../ops/fileSha256";
import type { BackupManifest } from "../../ops/postgres/manifest";
import { runCli } from "../support/cli";
import { freePort } from "../support/ports";
import { postgresBackupPod } from "../support/backupJob";
import { createSessionsTable, type PostgresServer, startPostgresServer } from "../support/postgresServer";

const ROWS = 1_000_000;

/** Backups with manifests, restore drills and recoveries against a real PostgreSQL server holding a million rows. */
describe("mcp-ops postgres backup and restore", () => {
    let server: PostgresServer;
    let dir: string;
    let admin: Client;
    const url = (database = "mcp") => `postgres://postgres@127.0.0.1:${server.port}/${database}`;
    const env = () => ({ PGPASSWORD: server.password });
    const count = async (database: string, table: string) => {
        const client = new Client({ connectionString: `${url(database).replace("postgres@", `postgres:${server.password}@`)}` });
        await client.connect();
        try {
            return Number((await client.query(`select count(*) as n from ${table}`)).rows[0].n);
        } finally {
            await client.end();
        }
    };
    const backup = async (out: string) => {
        const result = await runCli(["postgres", "backup", "--url", url(), "--out", out, "--json"], env());
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout + result.stderr).not.toContain(server.password);
        return JSON.parse(result.stdout) as { file: string; manifest: BackupManifest };
    };
    let first: { file: string; manifest: BackupManifest };

    beforeAll(async () => {
        server = await startPostgresServer();
        dir = mkdtempSync(join(tmpdir(), "mcp-pg-backups-"));
        const setup = new Client({ connectionString: server.url });
        await setup.connect();
        await setup.query("create database mcp");
        await setup.end();
        admin = new Client({ connectionString: server.url.replace(/\/postgres$/, "/mcp") });
        await admin.connect();
        await createSessionsTable(admin, ROWS);
        // Values whose text form depends on session settings (time zone, float digits, bytea output), NULLs, arrays.
        await admin.query(`create table tool_calls (id int primary key, tool text, args jsonb, took interval, blob bytea,
                                                    tags text[], at timestamptz, ratio real)`);
        await admin.query(
            `insert into tool_calls select g, 'tool-' || (g % 7), jsonb_build_object('n', g), g * interval '1 ms',
                    decode(md5(g::text), 'hex'), array['a', null, 'c' || g], now() - g * interval '1 hour',
                    case when g % 10 = 0 then null else g / 3.0 end
               from generate_series(1, 1000) g`,
        );
        await admin.query("create table events (id int, at date not null) partition by range (at)");
        await admin.query("create table events_2026 partition of events for values from ('2026-01-01') to ('2027-01-01')");
        await admin.query("create table events_2027 partition of events for values from ('2027-01-01') to ('2028-01-01')");
        await admin.query("insert into events select g, date '2026-06-01' + g from generate_series(1, 400) g");
        await admin.query("create table empty_table (id int)");
    });
    afterAll(async () => {
        await admin?.end().catch(() => undefined);
        await server?.stop();
        rmSync(dir, { recursive: true, force: true });
    });

    it("dumps 1,000,000 rows with a manifest of the same snapshot, while a writer goes on inserting", async () => {
        let writing = true;
        let inserted = 0;
        const writer = (async () => {
            while (writing) {
                await admin.query("insert into sessions (user_id, token) select 1, 'during' from generate_series(1, 100)");
                inserted += 100;
            }
        })();
        try {
            first = await backup(join(dir, "first"));
        } finally {
            writing = false;
            await writer;
        }
        const tables = Object.fromEntries(first.manifest.tables.map((t) => [t.table, t.rows]));
        expect(tables).toEqual({
            "public.sessions": expect.any(Number),
            "public.tool_calls": 1000,
            "public.events_2026": 213,
            "public.events_2027": 187,
            "public.empty_table": 0,
        });
        expect(tables["public.sessions"]).toBeGreaterThanOrEqual(ROWS);
        // The writer went on after the snapshot: the manifest counts the dump's snapshot, not the live table.
        expect(inserted).toBeGreaterThan(0);
        expect(await count("mcp", "sessions")).toBeGreaterThan(tables["public.sessions"]);
        expect(first.manifest).toMatchObject({ format: "mcp-postgres-backup/1", database: "mcp", serverMajor: 15 });
        expect(first.manifest.dump.sha256).toBe(await fileSha256(first.file));
        expect(readdirSync(join(dir, "first")).sort()).toEqual([first.manifest.dump.file, `${first.manifest.dump.file}.json`]);
    });

    it("leaves no file behind when the backup fails, and says why", async () => {
        await admin.query("create role reader login password 'reader-password'");
        await admin.query("grant select on tool_calls to reader");
        const out = join(dir, "refused");
        const run = await runCli(["postgres", "backup", "--url", `postgres://reader@127.0.0.1:${server.port}/mcp`, "--out", out], {
            PGPASSWORD: "reader-password",
        });
        expect(run.code).toBe(70);
        expect(run.stderr).toMatch(/^mcp-ops: backup failed: permission denied for table \w+; .*GRANT pg_read_all_data TO reader/);
        expect(readdirSync(out)).toEqual([]);
    });

    it("proves the dump in a scratch server: every table's count and checksum match the manifest", async () => {
        const drill = await runCli(["postgres", "restore", first.file, "--verify", "--json"]);
        expect(drill.code, drill.stderr).toBe(0);
        const report = JSON.parse(drill.stdout);
        expect(report).toMatchObject({ ok: true, into: "scratch server", dumpChecksumMatches: true, tables: 5, differences: [] });
        expect(report.rows.restored).toBe(report.rows.expected);
        expect(report.rows.restored).toBeGreaterThanOrEqual(ROWS + 1400);
        // The scratch server is gone: no data directory is left behind.
        expect(readdirSync(tmpdir()).filter((d) => d.startsWith("mcp-postgres-") && !d.startsWith("mcp-postgres-test"))).toEqual([]);
    });

    it("catches a damaged dump, and a dump that lacks a table's rows though its file checksum is right", async () => {
        const damaged = join(dir, "damaged.dump");
        copyFileSync(first.file, damaged);
        copyFileSync(`${first.file}.json`, `${damaged}.json`);
        const bytes = readFileSync(damaged);
        for (let i = 0; i < 64; i++) bytes[Math.floor(bytes.length / 2) + i] ^= 0xff;
        writeFileSync(damaged, bytes);
        const broken = await runCli(["postgres", "restore", damaged, "--verify", "--json"]);
        expect(broken.code).toBe(71);
        const brokenReport = JSON.parse(broken.stdout);
        expect(brokenReport.ok).toBe(false);
        expect(brokenReport.differences[0]).toMatch(/sha256 differs from the manifest's/);
        expect(brokenReport.differences.join("\n")).toMatch(/does not restore|rows in the backup|different content/);

        // A dump without tool_calls' data, given a manifest whose file checksum matches it: only the comparison can tell.
        const partial = join(dir, "partial.dump");
        execFileSync("pg_dump", ["--format=custom", "--exclude-table-data=tool_calls", `--file=${partial}`, url()], {
            env: { ...process.env, ...env() },
        });
        const manifest = { ...first.manifest, dump: { ...first.manifest.dump, sha256: await fileSha256(partial) } };
        writeFileSync(`${partial}.json`, JSON.stringify(manifest));
        const lacking = await runCli(["postgres", "restore", partial, "--verify"]);
        expect(lacking.code).toBe(71);
        expect(lacking.stdout).toContain("public.tool_calls: 1000 rows in the backup, 0 restored");
        expect(lacking.stderr).toContain("mcp-ops: the restore differs from the backup's manifest");
    });

    it("refuses a dump from a newer PostgreSQL than this machine's tools, before starting anything", async () => {
        const newer = join(dir, "newer.dump");
        copyFileSync(first.file, newer);
        writeFileSync(`${newer}.json`, JSON.stringify({ ...first.manifest, serverMajor: 99 }));
        const drill = await runCli(["postgres", "restore", newer, "--verify"]);
        expect(drill.code).toBe(69);
        expect(drill.stderr).toMatch(/^mcp-ops: the dump comes from PostgreSQL 99 and this machine's pg_restore is 15; install /);
        // A dump of this machine's server written by a newer pg_dump (the backup job's image has a newer one).
        expect(first.manifest.pgDumpMajor).toBe(15);
        writeFileSync(`${newer}.json`, JSON.stringify({ ...first.manifest, pgDumpMajor: 17 }));
        const newerTool = await runCli(["postgres", "restore", newer, "--verify"]);
        expect(newerTool.code).toBe(69);
        expect(newerTool.stderr).toMatch(
            /^mcp-ops: the dump was written by pg_dump of PostgreSQL 17 and this machine's pg_restore is 15; install postgresql-client-17 /,
        );
    });

    it("recovers into a named database: refuses one with data, creates a missing one, overwrites only when told", async () => {
        const before = await count("mcp", "sessions");
        const refused = await runCli(["postgres", "restore", first.file, "--url", url(), "--target", "mcp", "--yes"], env());
        expect(refused.code).toBe(64);
        expect(refused.stderr).toMatch(/database mcp has data \(5 tables with rows|database mcp has data \(\d+ tables with rows/);
        expect(refused.stderr).toContain("pass --overwrite");
        expect(await count("mcp", "sessions")).toBe(before);

        // Outside any project (no stack settings file), as an operator with a dump and a port-forward would run it.
        const unconfirmed = await runCli(["postgres", "restore", first.file, "--url", url(), "--target", "recovered"], env(), dir);
        expect(unconfirmed.code).toBe(65);
        expect(unconfirmed.stderr).toContain(`to 127.0.0.1:${server.port}: no terminal to confirm on`);
        const fresh = await runCli(
            ["postgres", "restore", first.file, "--url", url(), "--target", "recovered", "--yes", "--json"],
            env(),
            dir,
        );
        expect(fresh.code, fresh.stderr).toBe(0);
        expect(JSON.parse(fresh.stdout)).toMatchObject({ ok: true, into: "database recovered", differences: [] });
        expect(fresh.stderr).toContain("database recovered does not exist; it will be created");

        const recovered = new Client({ connectionString: server.url.replace(/\/postgres$/, "/recovered") });
        await recovered.connect();
        await recovered.query("delete from tool_calls where id > 10");
        await recovered.end();
        const again = await runCli(
            ["postgres", "restore", first.file, "--url", url(), "--target", "recovered", "--overwrite", "--yes", "--json"],
            env(),
        );
        expect(again.code, again.stderr).toBe(0);
        expect(JSON.parse(again.stdout).ok).toBe(true);
        expect(await count("recovered", "tool_calls")).toBe(1000);
        expect(again.stdout + again.stderr).not.toContain(server.password);
    });

    it("takes a --target name as a name, even one that reads like a connection string", async () => {
        const name = "host=nowhere.invalid dbname=x";
        const run = await runCli(["postgres", "restore", first.file, "--url", url(), "--target", name, "--yes", "--json"], env());
        expect(run.code, run.stderr).toBe(0);
        expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, into: `database ${name}` });
        const listed = await admin.query("select 1 from pg_database where datname = $1", [name]);
        expect(listed.rowCount).toBe(1);
    });

    it("keeps trying to reach a server for --wait seconds, and without it reports an unreachable one at once", async () => {
        const port = await freePort();
        const at = (wait: string[]) =>
            runCli(["postgres", "backup", "--url", `postgres://postgres@127.0.0.1:${port}/mcp`, "--out", dir, ...wait], env());
        const refused = await at([]);
        expect(refused.code).toBe(69);
        expect(refused.stderr).toContain(`PostgreSQL at 127.0.0.1:${port}/mcp is unreachable`);
        // The server becomes reachable two seconds after the backup starts (as a new pod's policies do).
        const waiting = at(["--wait", "30", "--json"]);
        await new Promise((r) => setTimeout(r, 2000));
        const relay = createServer((socket) => socket.pipe(connect(server.port, "127.0.0.1")).pipe(socket)).listen(port, "127.0.0.1");
        try {
            const waited = await waiting;
            expect(waited.code, waited.stderr).toBe(0);
            expect(JSON.parse(waited.stdout).manifest.tables.length).toBeGreaterThan(0);
        } finally {
            relay.close();
        }
    });

    it("the backup CronJob runs the same command: its dump passes the same drill", async () => {
        const pod = await postgresBackupPod({ port: server.port, database: "mcp", user: "postgres" });
        const dump = pod.initContainers[0];
        expect(dump.image).toBe(MCP_OPS_IMAGE);
        expect(dump.env).toContainEqual({
            name: "PGPASSWORD",
            valueFrom: { secretKeyRef: { name: "postgres-password", key: "value" } },
        });
        const [program, ...args] = dump.command as string[];
        expect(program).toBe("mcp-ops");
        // The job's /backups volume is a folder here; the password comes from the Secret's value, as in the pod.
        const mount = dump.volumeMounts.find((m: { name: string }) => m.name === "out").mountPath as string;
        const volume = join(dir, "volume");
        const run = await runCli(
            args.map((a) => (a.startsWith(mount) ? volume + a.slice(mount.length) : a)),
            env(),
        );
        expect(run.code, run.stderr).toBe(0);
        const [written] = readdirSync(join(volume, "postgres")).filter((f) => f.endsWith(".dump"));
        const drill = await runCli(["postgres", "restore", join(volume, "postgres", written), "--verify", "--json"]);
        expect(drill.code, drill.stderr).toBe(0);
        expect(JSON.parse(drill.stdout).ok).toBe(true);
    });
});
