import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect as connectSocket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prober } from "../../components/prober";
import { Redis as RedisStore } from "../../components/redis";
import { RedisExporter } from "../../components/redisExporter";
import { MCP_OPS_IMAGE } from "../../config/images";
import { CHECK_DEFAULTS } from "../../config/probeTargets";
import { postgresSchema, redisSchema } from "../../config/schema";
import { buildImages, type BuiltImage, defaultOptions } from "../../images/build";
import { IMAGES } from "../../images/catalog";
import { postgresBackupPod } from "../support/backupJob";
import { type Declared, declareComponent, declarePostgres, idleCredentials, noTraffic, secretRef } from "../support/component";
import type { Generations } from "../../platform/credentialGenerations";
import { type ContainerSpec, type Mount, OciRunner, type RunningContainer, unpackImage, type UnpackedImage } from "../support/ociRunner";
import { K8S, REPO_ROOT } from "../support/platform";
import { freePort } from "../support/ports";
import { parsePromText, valueOf } from "../support/promText";
import { startRedisServer } from "../support/redisServer";

/**
 * The images `npm run images` builds, run with runc as the pods declare them: the image's own
 * root filesystem read-only, the pod's user, no capabilities, a tmpfs /tmp, the declared command,
 * args and env. Needs root (runc); containers share this machine's network namespace, so each
 * server listens on a loopback port the test picks.
 */

type PodContainer = {
    command?: string[];
    args?: string[];
    env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }>;
};

/** A rendered container's command, args and env, with each Secret reference given its value ("<secret>/<key>", else "<secret>"). */
function asSpec(container: PodContainer, secrets: Record<string, string>, extra: Partial<ContainerSpec> = {}): ContainerSpec {
    const env: Record<string, string> = {};
    for (const e of container.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        const value = ref ? (secrets[`${ref.name}/${ref.key}`] ?? secrets[ref.name]) : e.value;
        if (value === undefined) throw new Error(`no value for ${e.name}`);
        env[e.name] = value;
    }
    return { command: container.command, args: container.args, ...extra, env: { ...env, ...extra.env } };
}

/** One command sent on a plain socket, and the first line of the reply. */
function rawReply(port: number, command: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const socket = connectSocket(port, "127.0.0.1", () => socket.write(command));
        socket.once("data", (data) => (socket.destroy(), resolve(data.toString().split("\r\n")[0])));
        socket.once("error", reject);
    });
}

async function waitFor<T>(what: string, attempt: () => Promise<T>, c?: RunningContainer, seconds = 60): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        try {
            return await attempt();
        } catch (error) {
            if (Date.now() > deadline || c?.process.exitCode != null) {
                throw new Error(`${what}: ${(error as Error).message}\n--- container output ---\n${c?.output() ?? ""}`, { cause: error });
            }
            await new Promise((r) => setTimeout(r, 250));
        }
    }
}

describe("the images, built here and run as the pods run them", () => {
    const work = mkdtempSync(join(tmpdir(), "mcp-images-test-"));
    const runc = new OciRunner(
        join(execFileSync("bash", [join(REPO_ROOT, "scripts", "toolchain.sh"), "images"], { encoding: "utf8" }).trim(), "runc"),
    );
    const unpacked: Record<string, UnpackedImage> = {};
    let first: BuiltImage[];
    const dir = (name: string) => {
        const path = join(work, name);
        mkdirSync(path, { recursive: true });
        return path;
    };

    beforeAll(async () => {
        first = await buildImages({ ...defaultOptions(), scratchDir: dir("scratch"), names: [], outDir: dir("out-1") });
        for (const image of first) unpacked[image.name] = unpackImage(image.archive, dir(`unpacked-${image.name}`));
    }, 1_800_000);

    /** A store's credentials Job exactly as declared, pointed at a server on this machine, with its Secret's two values. */
    const runCredentialsJob = (declared: Declared, port: number, secret: string, values: { value: string; also: string }) => {
        const pod = declared.one("kubernetes:batch/v1:Job").inputs.spec.template.spec;
        const job = pod.containers[0] as PodContainer & { image: string; command: string[] };
        expect(job.image).toBe(idleCredentials.image);
        // The declared command, pointed at this server instead of the in-cluster Service.
        const command = job.command.map((arg, i) =>
            job.command[i - 1] === "--host" ? "127.0.0.1" : job.command[i - 1] === "--port" ? String(port) : arg,
        );
        const uid = pod.securityContext.runAsUser as number;
        const secrets = { [`${secret}/value`]: values.value, [`${secret}/also-accepted`]: values.also };
        return runc.runToEnd(unpacked["mcp-ops"], asSpec({ ...job, command }, secrets, { uid, gid: uid }));
    };

    afterAll(async () => {
        await runc.close();
        rmSync(work, { recursive: true, force: true });
    }, 120_000);

    it("two builds of one commit give the same digests, the published image's Debian root made anew", async () => {
        const others = IMAGES.map((i) => i.name).filter((n) => n !== "mcp-ops");
        const again = [
            ...(await buildImages({
                ...defaultOptions(),
                scratchDir: dir("scratch"),
                names: ["mcp-ops"],
                fresh: true,
                outDir: dir("out-2"),
            })),
            ...(await buildImages({ ...defaultOptions(), scratchDir: dir("scratch"), names: others, outDir: dir("out-2") })),
        ];
        const digests = (built: BuiltImage[]) => Object.fromEntries(built.map((b) => [b.name, b.digest]));
        expect(digests(again)).toEqual(digests(first));
        expect(new Set(first.map((b) => b.digest)).size).toBe(IMAGES.length);
    }, 900_000);

    it("every image is linux/amd64 with a numeric non-root user, an entrypoint or command, and its OCI labels", () => {
        for (const image of IMAGES) {
            const { config, os, architecture } = unpacked[image.name];
            expect([os, architecture], image.name).toEqual(["linux", "amd64"]);
            expect(config.User, image.name).toMatch(/^[1-9]\d*:[1-9]\d*$/);
            expect([...(config.Entrypoint ?? []), ...(config.Cmd ?? [])].length, image.name).toBeGreaterThan(0);
            expect(config.Labels?.["org.opencontainers.image.revision"], image.name).toMatch(/^[0-9a-f]{40}$/);
            expect(config.Labels?.["org.opencontainers.image.source"], image.name).toMatch(/^https:\/\//);
            expect(config.Labels?.["org.opencontainers.image.version"], image.name).toBe(image.ref.slice(image.ref.lastIndexOf(":") + 1));
        }
        const sbom = JSON.parse(readFileSync(join(work, "out-1", "mcp-ops.spdx.json"), "utf8")) as { packages: Array<{ name: string }> };
        const names = sbom.packages.map((p) => p.name);
        expect(names).toEqual(expect.arrayContaining(["postgresql-client-17", "libc6", "@pulumi/pulumi", "pg"]));
    });

    it("mcp-ops runs from its image: --version, and a pg_dump at least as new as the declared PostgreSQL", async () => {
        const version = await runc.runToEnd(unpacked["mcp-ops"], { args: ["--version"] });
        expect(version.code, version.output).toBe(0);
        expect(version.output.trim()).toBe(
            (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version,
        );
        expect(MCP_OPS_IMAGE.endsWith(`:${version.output.trim()}`)).toBe(true);

        const pgDump = await runc.runToEnd(unpacked["mcp-ops"], { command: ["pg_dump", "--version"] });
        expect(pgDump.code, pgDump.output).toBe(0);
        const clientMajor = Number(/pg_dump \(PostgreSQL\) (\d+)/.exec(pgDump.output)?.[1]);
        const declaredMajor = Number(/:(\d+)/.exec(postgresSchema.parse({}).image)?.[1]);
        expect(declaredMajor).toBeGreaterThanOrEqual(15);
        expect(clientMajor).toBeGreaterThanOrEqual(declaredMajor);
    });

    describe("PostgreSQL image with the StatefulSet's env and args, and the backup CronJob's exact command", () => {
        const password = "first-password-from-the-secret";
        const config = postgresSchema.parse({});
        let server: RunningContainer;
        let port: number;
        let container: PodContainer & { securityContext?: unknown };
        let podUid: number;
        const data = () => dir("pgdata");
        const start = (secret: string) => {
            // The pod's only writable paths: its data volume, /tmp and the socket directory.
            const mounts: Mount[] = [
                { host: data(), container: "/var/lib/postgresql/data" },
                { host: dir(`pgsocket-${Date.now()}`), container: "/var/run/postgresql" },
            ];
            return runc.run(
                unpacked.postgresql,
                asSpec(
                    container,
                    { "postgres-password": secret },
                    { uid: podUid, gid: podUid, mounts, args: [...container.args!, "-c", `port=${port}`] },
                ),
            );
        };
        const login = async (secret: string) => {
            const client = new Client({ host: "127.0.0.1", port, user: config.user, database: config.database, password: secret });
            await client.connect();
            return client;
        };

        beforeAll(async () => {
            const d = await declarePostgres(config);
            const pod = d.one(K8S.statefulSet).inputs.spec.template.spec;
            container = pod.containers[0];
            podUid = pod.securityContext.runAsUser;
            port = await freePort();
            server = start(password);
            const client = await waitFor("PostgreSQL accepts the declared password", () => login(password), server);
            await client.query("create table sessions (id int primary key, note text)");
            await client.query("insert into sessions select g, 'row ' || g from generate_series(1, 5000) g");
            await client.end();
        }, 120_000);

        it("initialises PGDATA from POSTGRES_USER/DB/PASSWORD as the declared UID, and its probe passes", async () => {
            expect(server.output()).toContain(
                `initialised /var/lib/postgresql/data/pgdata for user ${config.user}, database ${config.database}`,
            );
            const owner = execFileSync("stat", ["-c", "%u", join(data(), "pgdata", "PG_VERSION")], { encoding: "utf8" }).trim();
            expect(Number(owner)).toBe(podUid);
            const probe = (container as { readinessProbe?: { exec: { command: string[] } } }).readinessProbe!.exec.command;
            const ready = await runc.runToEnd(unpacked.postgresql, { command: [...probe, "-p", String(port)], uid: podUid, gid: podUid });
            expect(ready.code, ready.output).toBe(0);
            const wrong = await runc.runToEnd(unpacked.postgresql, { command: ["pg_isready", "-h", "127.0.0.1", "-p", "1"], uid: podUid });
            expect(wrong.code).not.toBe(0);
        });

        it("refuses a wrong password", async () => {
            await expect(login("not-the-password")).rejects.toThrow(/password authentication failed/);
        });

        it("the backup CronJob's dump container writes a backup that restore --verify passes, in the same image", async () => {
            const pod = await postgresBackupPod({ port, database: config.database, user: config.user });
            const dump = pod.initContainers[0];
            expect(dump.image).toBe(MCP_OPS_IMAGE);
            const uid = pod.securityContext.runAsUser as number;
            const backups = dir("backups");
            const ran = await runc.runToEnd(
                unpacked["mcp-ops"],
                asSpec(dump, { "postgres-password": password }, { uid, gid: uid, mounts: [{ host: backups, container: "/backups" }] }),
            );
            expect(ran.code, ran.output).toBe(0);
            expect(ran.output).not.toContain(password);
            const written = readdirSync(join(backups, "postgres")).filter((f) => f.endsWith(".dump"));
            expect(written).toHaveLength(1);
            const manifest = JSON.parse(readFileSync(join(backups, "postgres", `${written[0]}.json`), "utf8")) as {
                tables: Array<{ table: string; rows: number }>;
            };
            expect(manifest.tables).toContainEqual(expect.objectContaining({ rows: 5000 }));

            const drill = await runc.runToEnd(unpacked["mcp-ops"], {
                args: ["postgres", "restore", `/backups/postgres/${written[0]}`, "--verify"],
                uid,
                gid: uid,
                env: { HOME: "/tmp" },
                mounts: [{ host: backups, container: "/backups", readOnly: true }],
            });
            expect(drill.code, drill.output).toBe(0);
            expect(drill.output).toMatch(/5000 rows/);
        });

        it("keeps its data over a restart; POSTGRES_PASSWORD only initialises, credentials Jobs apply each phase", async () => {
            const rotated = "a-rotated-password";
            await server.stop();
            server = start(rotated);
            const client = await waitFor("PostgreSQL restarts on its data", () => login(password), server);
            expect((await client.query("select count(*)::int as n from sessions")).rows[0].n).toBe(5000);
            await client.end();
            // The image alone: a new value in the Secret changes nothing for the running server.
            await expect(login(rotated)).rejects.toThrow(/password authentication failed/);

            const loginAs = async (user: string, secret: string) => {
                const c = new Client({ host: "127.0.0.1", port, user, database: config.database, password: secret });
                const outcome = await c.connect().then(
                    () => "accepted",
                    () => "refused",
                );
                await c.end().catch(() => undefined);
                return outcome;
            };
            const generations = { 0: password, 1: rotated };
            const phases = [
                { inUse: 0, also: 0, expect: { mcp_a: "accepted", mcp_b: "refused" } },
                { inUse: 0, also: 1, expect: { mcp_a: "accepted", mcp_b: "accepted" } },
                { inUse: 1, also: 0, expect: { mcp_a: "accepted", mcp_b: "accepted" } },
                { inUse: 1, also: 1, expect: { mcp_a: "refused", mcp_b: "accepted" } },
            ] as const;
            for (const phase of phases) {
                const accepted = [...new Set([phase.also, phase.inUse])].sort();
                const state = {
                    phase: accepted.length === 1 ? ("idle" as const) : phase.inUse > phase.also ? ("rolled" as const) : ("added" as const),
                    inUse: phase.inUse,
                    accepted,
                };
                const ran = await runCredentialsJob(await declarePostgres(config, state), port, "postgres-password", {
                    value: generations[phase.inUse],
                    also: generations[phase.also],
                });
                expect(ran.code, ran.output).toBe(0);
                expect(ran.output).not.toMatch(new RegExp(`${password}|${rotated}`));
                const logins = { mcp_a: await loginAs("mcp_a", password), mcp_b: await loginAs("mcp_b", rotated) };
                expect(logins, `phase ${JSON.stringify(phase)}: ${ran.output}`).toEqual(phase.expect);
            }
            // Retired with the old generation: nobody logs in with the first password any more, the owner included.
            expect(await loginAs(config.user, password)).toBe("refused");
            expect(await loginAs(config.user, rotated)).toBe("accepted");
            await server.stop();
        }, 120_000);
    });

    it("Redis runs with the StatefulSet's args and env, needs its password, keeps /data, rotates live; its probe passes", async () => {
        const declareRedis = (generations: Generations = idleCredentials.generations) =>
            declareComponent(
                () =>
                    new RedisStore("redis", {
                        namespace: "ns",
                        config: redisSchema.parse({}),
                        password: secretRef("redis-password"),
                        traffic: noTraffic,
                        credentials: { ...idleCredentials, generations },
                    }),
            );
        const d = await declareRedis();
        const pod = d.one(K8S.statefulSet).inputs.spec.template.spec;
        const container = pod.containers[0];
        const uid = pod.securityContext.runAsUser as number;
        const port = await freePort();
        const data = dir("redis-data");
        const secrets = { "redis-password": "redis-secret-value" };
        const start = () =>
            runc.run(
                unpacked.redis,
                asSpec(container, secrets, {
                    uid,
                    gid: uid,
                    mounts: [{ host: data, container: "/data" }],
                    args: [...container.args, "--port", String(port)],
                }),
            );
        let server = start();
        // No reconnecting in the background: each attempt is one connection, closed when it fails.
        const connect = (password?: string) =>
            new Redis({ host: "127.0.0.1", port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        const connected = async () => {
            const c = connect(secrets["redis-password"]);
            c.on("error", () => {});
            await c.connect().catch((error: Error) => (c.disconnect(), Promise.reject(error)));
            return c;
        };
        const client = await waitFor("Redis accepts the password", connected, server);
        await client.set("session:1", "alive");
        // A client without the password, in Redis's own protocol: the server answers NOAUTH.
        expect(await rawReply(port, "GET session:1\r\n")).toMatch(/^-NOAUTH/);

        const probe = (container.readinessProbe.exec.command as string[]).map((a) => a.replace("-p 6379", `-p ${port}`));
        const ready = await runc.runToEnd(unpacked.redis, { ...asSpec(container, secrets), command: probe, args: [], uid, gid: uid });
        expect(ready.code, ready.output).toBe(0);

        client.disconnect();
        await server.stop();
        expect(readdirSync(data)).toContain("dump.rdb");
        server = start();
        const again = await waitFor("Redis restarts on its data", connected, server);
        expect(await again.get("session:1")).toBe("alive");
        again.disconnect();

        // A rotation as the credentials Jobs apply it to the running server: a second password added, then the first retired.
        const rotated = "redis-rotated-value";
        const accepts = (password: string) => {
            const c = connect(password);
            c.on("error", () => {});
            return c.connect().then(
                () => (c.disconnect(), "accepted"),
                () => (c.disconnect(), "refused"),
            );
        };
        const first = secrets["redis-password"];
        const added = await runCredentialsJob(await declareRedis({ phase: "added", inUse: 0, accepted: [0, 1] }), port, "redis-password", {
            value: first,
            also: rotated,
        });
        expect(added.code, added.output).toBe(0);
        expect([await accepts(first), await accepts(rotated)]).toEqual(["accepted", "accepted"]);
        const retired = await runCredentialsJob(await declareRedis({ phase: "idle", inUse: 1, accepted: [1] }), port, "redis-password", {
            value: rotated,
            also: rotated,
        });
        expect(retired.code, retired.output).toBe(0);
        expect(`${added.output}${retired.output}`).not.toMatch(new RegExp(`${first}|${rotated}`));
        expect([await accepts(first), await accepts(rotated)]).toEqual(["refused", "accepted"]);
        // The probe needs no password, so retiring one never fails it.
        const stillReady = await runc.runToEnd(unpacked.redis, { ...asSpec(container, secrets), command: probe, args: [], uid, gid: uid });
        expect(stillReady.code, stillReady.output).toBe(0);
        await server.stop();
    });

    describe("MCP server image and the prober (mcp-ops health --serve) from the mcp-ops image", () => {
        let memory: RunningContainer;
        let prober: RunningContainer;
        let mcpPort: number;
        let metricsPort: number;

        beforeAll(async () => {
            mcpPort = await freePort();
            memory = runc.run(unpacked["mcp-server-memory"], { env: { PORT: String(mcpPort) } });
            await waitFor(
                "the MCP server's /health",
                async () => {
                    const res = await fetch(`http://127.0.0.1:${mcpPort}/health`);
                    if (!res.ok) throw new Error(`HTTP ${res.status}`);
                },
                memory,
            );
        }, 120_000);

        it("serves the reference server's tools over streamable HTTP, and the prober reports it up in /metrics", async () => {
            const targets = {
                servers: [
                    {
                        name: "mcp-memory",
                        restUrl: `http://127.0.0.1:${mcpPort}/health`,
                        mcpUrl: `http://127.0.0.1:${mcpPort}/mcp`,
                        expectedTools: ["create_entities", "search_nodes", "read_graph"],
                    },
                ],
                intervalSeconds: 2,
                ...CHECK_DEFAULTS,
            };
            const d = await declareComponent(
                () => new Prober("prober", { namespace: "ns", image: MCP_OPS_IMAGE, probe: targets, tokens: {}, traffic: noTraffic }),
            );
            const pod = d.one(K8S.deployment).inputs.spec.template.spec;
            const container = pod.containers[0];
            const configMount = container.volumeMounts.find((m: { name: string }) => m.name === "targets").mountPath as string;
            const configDir = dir("prober-config");
            writeFileSync(join(configDir, "targets.json"), JSON.stringify(targets));
            metricsPort = await freePort();
            const uid = pod.securityContext.runAsUser as number;
            // The pod listens on all addresses of its own network; here the container shares the machine's, so loopback only.
            const args = (container.args as string[]).map((a) => (a.startsWith("0.0.0.0:") ? `127.0.0.1:${metricsPort}` : a));
            prober = runc.run(unpacked["mcp-ops"], {
                command: container.command,
                args,
                uid,
                gid: uid,
                mounts: [{ host: configDir, container: configMount, readOnly: true }],
            });
            const metrics = await waitFor(
                "the prober's /metrics after a round",
                async () => {
                    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
                    const samples = parsePromText(text);
                    if (valueOf(samples, "mcp_server_up", { server: "mcp-memory", check: "mcp" }) === undefined)
                        throw new Error("no round yet");
                    return samples;
                },
                prober,
            );
            expect(valueOf(metrics, "mcp_server_up", { server: "mcp-memory", check: "rest" })).toBe(1);
            expect(valueOf(metrics, "mcp_server_up", { server: "mcp-memory", check: "mcp" })).toBe(1);
            expect(valueOf(metrics, "mcp_server_expected_tools_missing", { server: "mcp-memory" })).toBe(0);
            expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);
        });

        it("the prober reports the server down once it stops", async () => {
            await memory.stop();
            await waitFor(
                "mcp_server_up 0",
                async () => {
                    const samples = parsePromText(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
                    if (valueOf(samples, "mcp_server_up", { server: "mcp-memory", check: "rest" }) !== 0) throw new Error("still up");
                },
                prober,
            );
            await prober.stop();
        });
    });

    it("postgres_exporter and pause run from their images", async () => {
        const exporter = await runc.runToEnd(unpacked["postgres-exporter"], { args: ["--version"] });
        expect(exporter.code, exporter.output).toBe(0);
        expect(exporter.output).toMatch(/postgres_exporter, version 0\.17\.1/);
        const pause = runc.run(unpacked.pause);
        await new Promise((r) => setTimeout(r, 500));
        expect(pause.process.exitCode).toBeNull();
        await pause.stop();
        expect(await pause.exited).toBe(0);
    });

    it("redis_exporter runs from its image as its Deployment declares it, and reports the Redis it logs in to", async () => {
        const version = await runc.runToEnd(unpacked["redis-exporter"], { args: ["--version"] });
        expect(version.output).toMatch(/Redis Metrics Exporter 1\.69\./);

        const redis = await startRedisServer({ password: "exporter-image-password", args: ["--maxmemory", "48mb"] });
        try {
            const d = await declareComponent(
                () =>
                    new RedisExporter("redis-exporter", {
                        namespace: "ns",
                        image: "localhost/mcp-platform/redis-exporter:1.69-trixie",
                        host: "127.0.0.1",
                        port: redis.port,
                        password: secretRef("redis-password"),
                        scheme: "redis",
                        traffic: noTraffic,
                    }),
            );
            const pod = d.one(K8S.deployment).inputs.spec.template.spec;
            const container = pod.containers[0];
            const uid = pod.securityContext.runAsUser as number;
            const port = await freePort();
            // The pod listens on all addresses of its own network; here the container shares the machine's, so loopback only.
            const args = (container.args as string[]).map((a) =>
                a.startsWith("--web.listen-address=") ? `--web.listen-address=127.0.0.1:${port}` : a,
            );
            const exporter = runc.run(
                unpacked["redis-exporter"],
                asSpec(container, { "redis-password": "exporter-image-password" }, { uid, gid: uid, args }),
            );
            const samples = await waitFor(
                "the exporter's /metrics",
                async () => parsePromText(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()),
                exporter,
            );
            expect(valueOf(samples, "redis_up")).toBe(1);
            expect(valueOf(samples, "redis_memory_max_bytes")).toBe(48 * 1024 * 1024);
            const probe = container.readinessProbe.httpGet as { path: string };
            expect((await fetch(`http://127.0.0.1:${port}${probe.path}`)).status).toBe(200);
            await exporter.stop();
        } finally {
            await redis.stop();
        }
    });

    it("leaves nothing on the host: no container process, cgroup or mount, no build folder", async () => {
        await runc.close();
        const mounts = readFileSync("/proc/mounts", "utf8");
        expect(mounts.split("\n").filter((m) => m.includes(work) || m.includes("mmdebstrap") || m.includes("mcp-runc-"))).toEqual([]);
        // cgroup v1 keeps one tree per controller, v2 one tree: look at both levels.
        const cgroups = ["", ...readdirSync("/sys/fs/cgroup")].flatMap((controller) => {
            try {
                return readdirSync(join("/sys/fs/cgroup", controller)).filter((entry) => entry.startsWith(`mcp-test-${process.pid}-`));
            } catch {
                return [];
            }
        });
        expect(cgroups).toEqual([]);
        // Another build on this host (a local cluster's) may run a scratch registry of its own: only this process's count.
        const processes = execFileSync("ps", ["-eo", "ppid=,args="], { encoding: "utf8" })
            .split("\n")
            .map((line) => line.trim().split(/\s+(.*)/) as [string, string]);
        const registries = processes.filter(([ppid, args]) => Number(ppid) === process.pid && args?.includes("crane registry serve"));
        expect(processes.filter(([, args]) => args?.includes(`mcp-test-${process.pid}-`))).toEqual([]);
        expect(registries).toEqual([]);
        // Its own scratch folder: another build on this host (a local cluster's) may be under way in the system's.
        expect(readdirSync(join(work, "scratch"))).toEqual([]);
        expect(existsSync(runc.state)).toBe(false);
    });
});
