import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileSha256 } from "../../ops/fileSha256";
import { backupPostgres } from "../../ops/postgres/backup";
import { connectRedis } from "../../ops/redis/connect";
import { snapshotToFile } from "../../ops/redis/snapshot";
import { readRawStackConfig, writeStackConfigValues } from "../../ops/stack/stackFile";
import { runCli } from "../support/cli";
import { REPO_ROOT } from "../support/platform";
import { createSessionsTable, type PostgresServer, startPostgresServer } from "../support/postgresServer";
import { fillKeys, type RedisServer, startRedisServer } from "../support/redisServer";
import { type S3Server, startS3Server } from "../support/s3Server";

const BUCKET = "mcp-backups-test";
const REGION = "eu-west-1";

/**
 * The backups the CronJobs keep, used as an operator would: listed, fetched, drilled and restored
 * from the production stack's bucket (a real S3-compatible server here), into a real PostgreSQL
 * and a real Redis, through the real executable.
 */
describe("restores from the scheduled backups in the bucket", () => {
    let s3: S3Server;
    let postgres: PostgresServer;
    let redis: RedisServer;
    let project: string;
    let work: string;
    const env = () => ({ ...s3.env, AWS_ENDPOINT_URL_S3: s3.endpoint, PGPASSWORD: postgres.password, MCP_PROJECT_DIR: project });
    const cli = (args: string[]) => runCli([...args, "--stack", "production"], env(), project);
    const pgUrl = (database: string) => `postgres://postgres@127.0.0.1:${postgres.port}/${database}`;

    beforeAll(async () => {
        [s3, postgres, redis] = await Promise.all([startS3Server(BUCKET, REGION), startPostgresServer(), startRedisServer()]);
        project = mkdtempSync(join(tmpdir(), "mcp-scheduled-backups-"));
        work = join(project, "work");
        for (const f of ["Pulumi.yaml", "Pulumi.production.yaml"]) copyFileSync(join(REPO_ROOT, f), join(project, f));
        const aws = readRawStackConfig("production", project).aws as Record<string, unknown>;
        writeStackConfigValues("production", project, { aws: { ...aws, bucketName: BUCKET } });

        // What the CronJobs leave in the bucket: PostgreSQL dumps with their manifests, Redis RDBs alone.
        const admin = new Client({ connectionString: pgUrl("postgres").replace("postgres@", `postgres:${postgres.password}@`) });
        await admin.connect();
        await admin.query("create database mcp");
        await admin.end();
        const mcp = new Client({ connectionString: pgUrl("mcp").replace("postgres@", `postgres:${postgres.password}@`) });
        await mcp.connect();
        await createSessionsTable(mcp, 5_000);
        await mcp.end();
        const bucket = new S3Client({
            endpoint: s3.endpoint,
            region: REGION,
            forcePathStyle: true,
            credentials: { accessKeyId: s3.env.AWS_ACCESS_KEY_ID, secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY },
        });
        const upload = (key: string, file: string) =>
            bucket.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(file) }));
        const older = await backupPostgres({ url: pgUrl("mcp"), password: postgres.password }, { outDir: join(work, "older") });
        await new Promise((r) => setTimeout(r, 1100));
        const newest = await backupPostgres({ url: pgUrl("mcp"), password: postgres.password }, { outDir: join(work, "newest") });
        for (const b of [older, newest]) {
            await upload(`postgres/${b.file.split("/").pop()}`, b.file);
            await upload(`postgres/${b.manifestFile.split("/").pop()}`, b.manifestFile);
            await new Promise((r) => setTimeout(r, 1100));
        }
        const seed = await connectRedis({ url: redis.url });
        await fillKeys(seed, "session:", 2_000);
        await snapshotToFile(seed, { url: redis.url }, join(work, "redis-20261202T060000Z.rdb"));
        seed.disconnect();
        await upload("redis/redis-20261202T060000Z.rdb", join(work, "redis-20261202T060000Z.rdb"));
        bucket.destroy();
    }, 120_000);

    afterAll(async () => {
        await Promise.all([s3?.stop(), postgres?.stop(), redis?.stop()]);
        if (project) rmSync(project, { recursive: true, force: true });
    });

    it("lists them per store, newest first, with size, age and manifest", async () => {
        const run = await cli(["backup", "list", "--json"]);
        expect(run.code, run.stderr).toBe(0);
        const listed = JSON.parse(run.stdout) as { where: string; backups: Array<{ store: string; name: string; manifest: string }> };
        expect(listed.where).toBe(`s3://${BUCKET}`);
        expect(listed.backups.map((b) => [b.store, b.manifest])).toEqual([
            ["redis", "none"],
            ["postgres", "present"],
            ["postgres", "present"],
        ]);
        const [, newestDump, olderDump] = listed.backups;
        expect(newestDump.name > olderDump.name).toBe(true);
    });

    it("fetches one with its manifest, byte for byte", async () => {
        const out = join(work, "fetched");
        const run = await cli(["backup", "fetch", "postgres", "newest", "--out", out, "--json"]);
        expect(run.code, run.stderr).toBe(0);
        const fetched = JSON.parse(run.stdout) as { file: string; manifest: string; backup: { name: string } };
        const original = join(work, "newest", fetched.backup.name);
        expect(await fileSha256(fetched.file)).toBe(await fileSha256(original));
        expect(readFileSync(fetched.manifest, "utf8")).toBe(readFileSync(`${original}.json`, "utf8"));
        const again = await cli(["backup", "fetch", "postgres", "newest", "--out", out]);
        expect(again.code).toBe(64);
        expect(again.stderr).toMatch(/already exists; choose another --out or pass --force/);
    });

    it("drills the newest of each store: the dump against its manifest, the snapshot by loading it", async () => {
        const postgresDrill = await cli(["backup", "drill", "postgres", "--json"]);
        expect(postgresDrill.code, postgresDrill.stderr).toBe(0);
        expect(JSON.parse(postgresDrill.stdout)).toMatchObject({ ok: true, store: "postgres" });
        expect(JSON.parse(postgresDrill.stdout).report).toMatch(/restore verified: .* 1 tables, 5000 of 5000 rows/);
        const redisDrill = await cli(["backup", "drill", "redis"]);
        expect(redisDrill.code, redisDrill.stderr).toBe(0);
        expect(redisDrill.stdout).toMatch(/checksum: the RDB's own CRC64, checked by loading it \(no manifest\)/);
        expect(redisDrill.stdout).toMatch(/restored \{"db0":2000\}/);
    });

    it("restores the newest PostgreSQL dump into a database of the server, compared with its manifest", async () => {
        const run = await cli([
            "postgres",
            "restore",
            "--scheduled",
            "newest",
            "--target",
            "restored",
            "--url",
            pgUrl("postgres"),
            "--yes",
        ]);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toMatch(/restore verified: .* into database restored: 1 tables, 5000 of 5000 rows/);
        expect(run.stderr).toMatch(/fetched postgres backup postgres-mcp-.*\.dump \(\d+ bytes\) from s3:\/\/mcp-backups-test/);
    });

    it("puts the Redis snapshot into the live store, and refuses the stack's store outside maintenance, fetching nothing", async () => {
        const live = await connectRedis({ url: redis.url });
        try {
            await live.set("session:1", "tampered");
            await live.set("written-after-the-backup", "x");
            const refused = await cli(["redis", "restore", "--scheduled", "newest", "--live", "--yes"]);
            expect(refused.code).toBe(64);
            expect(refused.stderr).toMatch(/stack production is not in maintenance: .* run mcp-ops maintenance on first/);
            expect(await live.get("session:1")).toBe("tampered");

            const run = await cli(["redis", "restore", "--scheduled", "newest", "--live", "--url", redis.url, "--yes"]);
            expect(run.code, run.stderr).toBe(0);
            expect(run.stdout).toMatch(/db0: 2000 keys written, 1 removed; 2000 keys now \(snapshot 2000\)/);
            expect(await live.get("session:1")).not.toBe("tampered");
            expect(await live.exists("written-after-the-backup")).toBe(0);
        } finally {
            live.disconnect();
        }
    });

    it("refuses what names no backup, saying which there are", async () => {
        const run = await cli(["backup", "fetch", "postgres", "postgres-mcp-19990101T000000Z.dump", "--out", join(work, "x")]);
        expect(run.code).toBe(64);
        expect(run.stderr).toMatch(/no postgres backup named postgres-mcp-19990101T000000Z\.dump; the newest are postgres-mcp-/);
    });
});
