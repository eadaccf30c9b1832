/**
 * Benchmark: `mcp-ops postgres backup` (pg_dump plus a manifest of row counts and checksums of the
 * same snapshot) and `mcp-ops postgres restore --verify` (a scratch server, pg_restore, every table
 * counted and checksummed) against plain pg_dump and plain pg_restore into a running server, on
 * the same 1,000,000-row database in the same run. Throughput is the database's size on disk per
 * second. Rounds and size can be changed: ROWS=200000 ROUNDS=1.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { runCli } from "../test/support/cli";
import { createSessionsTable, startPostgresServer } from "../test/support/postgresServer";
import { median } from "./median";

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

async function timed(work: () => Promise<unknown> | unknown): Promise<number> {
    const start = process.hrtime.bigint();
    await work();
    return Number(process.hrtime.bigint() - start) / 1e9;
}

async function main() {
    const dir = mkdtempSync(join(tmpdir(), "mcp-bench-postgres-"));
    const server = await startPostgresServer({ statements: false });
    const env = { ...process.env, PGPASSWORD: server.password };
    const url = `postgres://postgres@127.0.0.1:${server.port}/postgres`;
    try {
        console.log(`loading ${ROWS} rows ...`);
        const client = new Client({ connectionString: server.url });
        await client.connect();
        await createSessionsTable(client, ROWS);
        await client.query("vacuum analyze");
        const mb = Number((await client.query("select pg_database_size('postgres') as b")).rows[0].b) / 1e6;
        console.log(`database: ${mb.toFixed(1)} MB on disk; ${ROUNDS} rounds, medians reported\n`);

        const plainDump = join(dir, "plain.dump");
        const times = { plainDump: [] as number[], backup: [] as number[], plainRestore: [] as number[], verified: [] as number[] };
        let dumpFile = "";
        for (let round = 1; round <= ROUNDS; round++) {
            times.plainDump.push(
                await timed(() => execFileSync("pg_dump", ["--format=custom", "--compress=6", `--file=${plainDump}`, url], { env })),
            );
            const out = join(dir, `round-${round}`);
            times.backup.push(
                await timed(async () => {
                    const r = await runCli(["postgres", "backup", "--url", url, "--out", out], { PGPASSWORD: server.password });
                    if (r.code !== 0) throw new Error(r.stderr);
                }),
            );
            dumpFile = join(
                out,
                readdirSync(out).find((f) => f.endsWith(".dump"))!,
            );
            const database = `plain_${round}`;
            await client.query(`create database ${database}`);
            times.plainRestore.push(
                await timed(() =>
                    execFileSync("pg_restore", ["--no-owner", `--jobs=${Math.min(4, cpus().length)}`, `--dbname=${database}`, plainDump], {
                        env: { ...env, PGHOST: "127.0.0.1", PGPORT: String(server.port), PGUSER: "postgres" },
                    }),
                ),
            );
            await client.query(`drop database ${database}`);
            times.verified.push(
                await timed(async () => {
                    const r = await runCli(["postgres", "restore", dumpFile, "--verify"], {});
                    if (r.code !== 0) throw new Error(r.stdout + r.stderr);
                }),
            );
            console.log(
                `round ${round}: pg_dump ${times.plainDump.at(-1)!.toFixed(2)} s, mcp-ops backup ${times.backup.at(-1)!.toFixed(2)} s, ` +
                    `pg_restore ${times.plainRestore.at(-1)!.toFixed(2)} s, restore --verify ${times.verified.at(-1)!.toFixed(2)} s`,
            );
        }
        await client.end();

        const rate = (seconds: number) => `${(mb / seconds).toFixed(1)} MB/s`;
        const [pd, b, pr, v] = [times.plainDump, times.backup, times.plainRestore, times.verified].map(median);
        console.log(`\ndump file: ${(statSync(dumpFile).size / 1e6).toFixed(1)} MB (compressed)`);
        console.log(`backup:  plain pg_dump ${rate(pd)}, mcp-ops postgres backup ${rate(b)}: ${(b / pd).toFixed(2)}x the time of pg_dump`);
        console.log(
            `restore: plain pg_restore ${rate(pr)}, mcp-ops postgres restore --verify ${rate(v)}: ${(v / pr).toFixed(2)}x the time of ` +
                "pg_restore (which starts no server and checks nothing)",
        );
    } finally {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
