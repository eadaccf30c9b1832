import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import {
    cpuQuantity,
    cronSchedule,
    memoryQuantity,
    namespaceName,
    postgresDatabase,
    postgresRole,
    redisPolicy,
    redisSize,
    serviceName,
    storageQuantity,
} from "../../config/fields";
import { POSTGRES_SETTINGS, postgresSettingValue } from "../../config/postgresSettings";
import { asServerUser, initCluster, serverBinDir, serverDirectory } from "../../ops/postgres/localServer";
import { type DryRunner, dryRunner } from "../support/dryRun";
import type { KubeObject } from "../support/kubeObjects";
import { localCluster } from "../support/localCluster";
import { type PostgresServer, startPostgresServer } from "../support/postgresServer";
import { type RedisServer, startRedisServer } from "../support/redisServer";
import {
    cronSchedules,
    kubeNames,
    kubeQuantities,
    postgresNames,
    postgresSettingArguments,
    REDIS_POLICY_VALUES,
    redisSizes,
} from "../support/receiverValues";

/**
 * The schema accepts a value exactly when the system that receives it does: generated values
 * around each boundary go both to the schema's rule for that field and to the real receiver — the
 * API server (server-side apply, dry run), redis-server (CONFIG SET), PostgreSQL (the statements
 * and client tool the platform uses) — and any disagreement fails with the value. Disagreements
 * found this way are kept as named cases in test/unit/configCorpus.test.ts.
 */

const RUNS = 120;
const judged: Record<string, number> = {};

/** Asserts schema and receiver agree on every generated value; counts the values the receiver judged. */
async function agree(
    receiver: string,
    values: fc.Arbitrary<string>,
    schema: z.ZodType | ((value: string) => boolean),
    accepts: (value: string) => Promise<boolean>,
) {
    const verdicts = new Map<string, boolean>();
    await fc.assert(
        fc.asyncProperty(values, async (value) => {
            if (!verdicts.has(value)) verdicts.set(value, await accepts(value));
            const schemaAccepts = typeof schema === "function" ? schema(value) : schema.safeParse(value).success;
            expect({ value, schemaAccepts }).toEqual({ value, schemaAccepts: verdicts.get(value) });
        }),
        { numRuns: RUNS },
    );
    const outcomes = [...verdicts.values()];
    judged[receiver] = (judged[receiver] ?? 0) + verdicts.size;
    // Both sides of the boundary were reached, or the property says little.
    expect(outcomes).toContain(true);
    expect(outcomes).toContain(false);
}

afterAll(() => {
    const summary = Object.entries(judged).map(([receiver, count]) => `${receiver}: ${count} distinct values`);
    console.log(`config values judged by their receivers this run — ${summary.join("; ")}`);
});

describe("Kubernetes values against the API server", () => {
    const cluster = localCluster();
    let runner: DryRunner;
    const accepted = async (object: KubeObject) => (await runner.check([object])).length === 0;
    const restrictedPod = (resources: object): KubeObject => ({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "quantity" },
        spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
                {
                    name: "c",
                    image: "example/app:1.0.0",
                    resources,
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                },
            ],
        },
    });

    beforeAll(async () => {
        const up = await cluster.run("up");
        if (up.code !== 0) throw new Error(`the local cluster did not start:\n${up.output}`);
        runner = await dryRunner(cluster.kubeconfig, "receivers");
    }, 600_000);

    afterAll(async () => {
        await cluster.run("down");
        rmSync(cluster.dir, { recursive: true, force: true });
    });

    it("namespace names", async () => {
        await agree("API server", kubeNames, namespaceName, (name) =>
            accepted({ apiVersion: "v1", kind: "Namespace", metadata: { name } }),
        );
    }, 120_000);

    it("service names", async () => {
        await agree("API server", kubeNames, serviceName, (name) =>
            accepted({ apiVersion: "v1", kind: "Service", metadata: { name }, spec: { ports: [{ port: 80 }] } }),
        );
    }, 120_000);

    it("CPU and memory quantities", async () => {
        await agree("API server", kubeQuantities, cpuQuantity, (q) =>
            accepted(restrictedPod({ requests: { cpu: q }, limits: { cpu: q } })),
        );
        await agree("API server", kubeQuantities, memoryQuantity, (q) =>
            accepted(restrictedPod({ requests: { memory: q }, limits: { memory: q } })),
        );
    }, 240_000);

    it("volume sizes", async () => {
        await agree("API server", kubeQuantities, storageQuantity, (size) =>
            accepted({
                apiVersion: "v1",
                kind: "PersistentVolumeClaim",
                metadata: { name: "volume" },
                spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } },
            }),
        );
    }, 120_000);

    it("CronJob schedules", async () => {
        await agree("API server", cronSchedules, cronSchedule, (schedule) =>
            accepted({
                apiVersion: "batch/v1",
                kind: "CronJob",
                metadata: { name: "schedule" },
                spec: {
                    schedule,
                    jobTemplate: {
                        spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "example/app:1.0.0" }] } } },
                    },
                },
            }),
        );
    }, 120_000);
});

describe("Redis values against redis-server", () => {
    let redis: RedisServer;
    beforeAll(async () => {
        redis = await startRedisServer();
    });
    afterAll(() => redis?.stop());

    const configSet = (parameter: string) => async (value: string) => {
        const client = redis.client();
        try {
            await client.config("SET", parameter, value);
            return true;
        } catch {
            return false;
        } finally {
            client.disconnect();
        }
    };

    it("maxmemory sizes", async () => {
        await agree("redis-server", redisSizes, redisSize, configSet("maxmemory"));
    }, 60_000);

    it("maxmemory-policy names", async () => {
        await agree("redis-server", REDIS_POLICY_VALUES, redisPolicy, configSet("maxmemory-policy"));
    }, 60_000);
});

describe("PostgreSQL names against a real server, as the platform uses them", () => {
    let postgres: PostgresServer;
    let client: Client;
    beforeAll(async () => {
        postgres = await startPostgresServer({ statements: false });
        client = new Client({ connectionString: postgres.url });
        await client.connect();
    }, 60_000);
    afterAll(async () => {
        await client?.end();
        await postgres?.stop();
    });

    /** Runs `statement`, true when it succeeds; a statement that renames what it was given (a cut name) counts as refused. */
    const succeeds = async (statement: string) => {
        try {
            await client.query(statement);
            return true;
        } catch {
            return false;
        }
    };
    const exists = async (catalog: "pg_database" | "pg_roles", column: "datname" | "rolname", name: string) =>
        // Compared as text: a parameter compared as a name would be cut to 63 bytes just like the stored one.
        (await client.query(`SELECT 1 FROM ${catalog} WHERE ${column}::text = $1::text`, [name])).rowCount === 1;

    /** The server's readiness check as the StatefulSet's probe runs it: `pg_isready -d <database>`. */
    const probeAccepts = (database: string) =>
        new Promise<boolean>((resolve) =>
            execFile(
                join(serverBinDir(), "pg_isready"),
                ["-h", "127.0.0.1", "-p", String(postgres.port), "-U", "postgres", "-d", database],
                (error) => resolve(!error),
            ),
        );

    it("database names: created as the image's entrypoint creates them, then probed", async () => {
        await agree("PostgreSQL", postgresNames, postgresDatabase, async (name) => {
            // The image creates POSTGRES_DB unless it is the database every server has.
            if (name !== "postgres") {
                const quoted = client.escapeIdentifier(name);
                if (!(await succeeds(`CREATE DATABASE ${quoted}`))) return false;
                const kept = await exists("pg_database", "datname", name);
                await client.query(`DROP DATABASE IF EXISTS ${quoted}`);
                if (!kept) return false;
            }
            return probeAccepts(name);
        });
    }, 180_000);

    it("owner role names: the owner and its two login roles, created as the credentials Job creates them", async () => {
        await agree("PostgreSQL", postgresNames, postgresRole, async (owner) => {
            // The test server's superuser stands for the owner the image's initdb makes from POSTGRES_USER.
            const roles = owner === "postgres" ? [`${owner}_a`, `${owner}_b`] : [owner, `${owner}_a`, `${owner}_b`];
            const created: string[] = [];
            try {
                for (const role of roles) {
                    if (!(await succeeds(`CREATE ROLE ${client.escapeIdentifier(role)}`))) return false;
                    created.push(role);
                    if (!(await exists("pg_roles", "rolname", role))) return false;
                }
                return true;
            } finally {
                for (const role of created)
                    await client.query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(role)}`).catch(() => undefined);
            }
        });
    }, 120_000);
});

describe("PostgreSQL settings against the server's own parameter check", () => {
    let dir: string;
    let data: string;
    beforeAll(() => {
        dir = serverDirectory("mcp-postgres-settings-");
        data = initCluster(dir, "unused");
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** `postgres -C` with the argument the StatefulSet passes: the value in the base unit, or undefined where the server refuses it. */
    const serverReads = (argument: string) =>
        new Promise<string | undefined>((resolve) => {
            const name = argument.slice(0, argument.indexOf("="));
            const [file, ...rest] = asServerUser([join(serverBinDir(), "postgres"), "-D", data, "-C", name, "-c", argument]);
            execFile(file, rest, { encoding: "utf8", timeout: 10_000 }, (error, stdout) => resolve(error ? undefined : stdout.trim()));
        });

    it("each setting: accepted when the server reads it into the platform's range, and read as the server reads it", async () => {
        const schemaReads = (argument: string) => {
            const at = argument.indexOf("=");
            return postgresSettingValue(argument.slice(0, at), argument.slice(at + 1));
        };
        await agree(
            "PostgreSQL",
            postgresSettingArguments(POSTGRES_SETTINGS),
            (argument) => schemaReads(argument) !== undefined,
            async (argument) => {
                const text = await serverReads(argument);
                if (text === undefined) return false;
                const { kind, min, max } = POSTGRES_SETTINGS[argument.slice(0, argument.indexOf("="))];
                const value = Number(text);
                const inRange = value >= min && value <= max;
                // Where both take it, both read the same number (-C prints reals to six significant digits).
                const read = schemaReads(argument);
                const schemaValue = kind === "real" && read !== undefined ? Number(read.toPrecision(6)) : read;
                if (inRange) expect({ argument, value: schemaValue }).toEqual({ argument, value });
                return inRange;
            },
        );
    }, 120_000);
});
