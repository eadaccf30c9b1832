import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli";
import { issueCertificate } from "../support/tls";
import { type PostgresServer, startPostgresServer, startReplica } from "../support/postgresServer";

/** How the PostgreSQL commands reach a server that speaks TLS only, and what they do with a read-only replica. */
describe("mcp-ops postgres: TLS with a private CA, and a read-only replica", () => {
    let tls: PostgresServer;
    let primary: PostgresServer;
    let replica: PostgresServer;
    let dir: string;
    const urlOf = (s: PostgresServer) => `postgres://postgres@127.0.0.1:${s.port}/postgres`;

    beforeAll(async () => {
        dir = mkdtempSync(join(tmpdir(), "mcp-pg-access-"));
        [tls, primary] = await Promise.all([startPostgresServer({ tls: true }), startPostgresServer({ statements: false })]);
        const client = new Client({ connectionString: primary.url });
        await client.connect();
        await client.query("create table notes (id int primary key, body text)");
        await client.query("insert into notes select g, md5(g::text) from generate_series(1, 5000) g");
        await client.end();
        replica = await startReplica(primary);
    });
    afterAll(async () => {
        await replica?.stop();
        await Promise.all([tls?.stop(), primary?.stop()]);
        rmSync(dir, { recursive: true, force: true });
    });

    it("speaks TLS verified against a private CA (--tls-ca) for stats and for pg_dump, and says to pass it when missing", async () => {
        const env = { PGPASSWORD: tls.password };
        const stats = await runCli(["postgres", "stats", "--url", urlOf(tls), "--tls-ca", tls.caFile!, "--json"], env);
        expect(stats.code, stats.stderr).toBe(0);
        expect(JSON.parse(stats.stdout).version).toMatch(/^15\./);
        const backup = await runCli(["postgres", "backup", "--url", urlOf(tls), "--tls-ca", tls.caFile!, "--out", dir, "--json"], env);
        expect(backup.code, backup.stderr).toBe(0);
        const drill = await runCli(["postgres", "restore", JSON.parse(backup.stdout).file, "--verify"]);
        expect(drill.code, drill.stderr).toBe(0);

        // Trusting another CA fails: the certificate really is verified.
        const otherDir = mkdtempSync(join(dir, "other-ca-"));
        const other = issueCertificate(otherDir).caFile;
        const untrusted = await runCli(["postgres", "stats", "--url", urlOf(tls), "--tls-ca", other], env);
        expect(untrusted.code).toBe(69);
        expect(untrusted.stderr).toMatch(
            /^mcp-ops: TLS with PostgreSQL at 127\.0\.0\.1:\d+\/postgres failed \(.+\); trust its CA with --tls-ca <file>\n$/,
        );

        const plain = await runCli(["postgres", "stats", "--url", urlOf(tls)], env);
        expect(plain.code).toBe(69);
        expect(plain.stderr).toBe(
            `mcp-ops: PostgreSQL at 127.0.0.1:${tls.port}/postgres accepts TLS connections only; trust its CA with --tls-ca <file>\n`,
        );
    });

    it("reads a replica's statistics and replay lag, backs up from it, and refuses to maintain or restore into it", async () => {
        const env = { PGPASSWORD: replica.password };
        const stats = await runCli(["postgres", "stats", "--url", urlOf(replica), "--json"], env);
        expect(stats.code, stats.stderr).toBe(0);
        const report = JSON.parse(stats.stdout);
        expect(report.inRecovery).toBe(true);
        expect(report.replication).toHaveLength(1);
        const onPrimary = JSON.parse((await runCli(["postgres", "stats", "--url", urlOf(primary), "--json"], env)).stdout);
        expect(onPrimary.replication).toEqual([expect.objectContaining({ state: "streaming" })]);

        const backup = await runCli(["postgres", "backup", "--url", urlOf(replica), "--out", join(dir, "replica"), "--json"], env);
        expect(backup.code, backup.stderr).toBe(0);
        expect(JSON.parse(backup.stdout).manifest.tables).toEqual([{ table: "public.notes", rows: 5000, sha256: expect.any(String) }]);

        const maintenance = await runCli(["postgres", "maintenance", "--url", urlOf(replica), "--no-backup"], env);
        expect(maintenance.code).toBe(64);
        expect(maintenance.stderr).toBe(
            "mcp-ops: this PostgreSQL is a read-only replica (in recovery): maintenance runs on the primary; point --url at it\n",
        );
        const [dump] = readdirSync(join(dir, "replica")).filter((f) => f.endsWith(".dump"));
        const restore = await runCli(
            ["postgres", "restore", join(dir, "replica", dump), "--url", urlOf(replica), "--target", "copy", "--yes"],
            env,
        );
        expect(restore.code).toBe(64);
        expect(restore.stderr).toContain("read-only replica (in recovery): restore into the primary");
    });
});
