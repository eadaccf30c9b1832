import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DiagnoseReport } from "../../ops/commands/diagnose";
import type { AutomationStack } from "../../ops/stack/automation";
import { type Kubectl, kubectlFor, portForward } from "../support/kubectl";
import { postgresLoad, redisLoad } from "../support/storeLoad";
import { type E2eProject, e2eProject, eventually, NAMESPACE } from "./support";

/**
 * What only running containers show, on the local stack's real node: the stores accept the
 * passwords in their Secrets, the MCP servers answer through their Services, the prober sees them
 * from inside the cluster, NetworkPolicies and the lockdown block connections, the backup jobs
 * write dumps that restore. The tests run in order on one deployed stack.
 */
const REAL_WORKLOADS = ["mcp-filesystem", "mcp-memory", "mcp-prober", "postgres", "postgres-exporter", "redis", "redis-exporter"];
/** The newest kept Redis backup into the live store, its password from its Secret. */
const LIVE_REDIS_RESTORE = ["redis", "restore", "--scheduled", "newest", "--live", "--yes", "--password-secret", "redis-password"];
/** Images without a shell (a lone static binary): nothing to exec in them. */
const NO_SHELL = ["postgres-exporter"];

/** A pod in the platform's namespace that no policy names: it may resolve names, nothing more. */
const untrusted = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "untrusted", namespace: NAMESPACE, labels: { app: "untrusted" } },
    spec: {
        nodeSelector: { type: "real" },
        terminationGracePeriodSeconds: 0,
        securityContext: { runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
            {
                name: "shell",
                image: "localhost/mcp-platform/redis:7.0-bookworm",
                command: ["sleep", "3600"],
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            },
        ],
    },
};

describe("the local stack's running pods", () => {
    let project: E2eProject;
    let stack: AutomationStack;
    let kubectl: Kubectl;
    const clusterDir = () => join(project.dir, ".local", "cluster");

    const secret = async (name: string) =>
        Buffer.from((await project.kube.core.readNamespacedSecret({ name, namespace: NAMESPACE })).data!.value, "base64").toString();

    /** The prober's metrics, read through a port-forward to its Service. */
    async function proberMetrics(): Promise<string> {
        const forward = await portForward(clusterDir(), NAMESPACE, "svc/mcp-prober", 9102);
        try {
            return await (await fetch(`http://127.0.0.1:${forward.port}/metrics`)).text();
        } finally {
            forward.close();
        }
    }
    const metric = (text: string, name: string, labels: string) =>
        Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
    const up = (text: string, server: string) => metric(text, "mcp_server_up", `server="${server}",check="mcp"`);
    const probes = (text: string, server: string) => metric(text, "mcp_check_duration_seconds_count", `server="${server}",check="mcp"`);

    /** Whether the untrusted pod opens a TCP connection to host:port within 5 s. */
    const untrustedConnects = (host: string, port: number) =>
        kubectl(["exec", "-n", NAMESPACE, "untrusted", "--", "timeout", "5", "bash", "-c", `exec 3<>/dev/tcp/${host}/${port}`]).then(
            () => true,
            () => false,
        );

    beforeAll(async () => {
        project = await e2eProject();
        stack = await project.stack();
        kubectl = kubectlFor(clusterDir());
        await stack.up("e2e: deploy on the real node");
    });

    afterAll(async () => {
        await project?.close();
    });

    it("runs every workload placed on the real node there, as the restricted profile and a read-only root demand", async () => {
        const pods = (await project.kube.core.listNamespacedPod({ namespace: NAMESPACE })).items;
        // The stores' credentials Jobs ran there too, and completed.
        const jobs = pods.filter((p) => p.metadata?.labels?.["app.kubernetes.io/component"] === "credentials");
        expect(jobs.map((p) => [p.metadata!.labels!["app.kubernetes.io/name"], p.spec?.nodeName, p.status?.phase]).sort()).toEqual([
            ["postgres-credentials", "real-node", "Succeeded"],
            ["redis-credentials", "real-node", "Succeeded"],
        ]);
        const real = pods.filter((p) => p.spec?.nodeName === "real-node" && !jobs.includes(p));
        const owner = (pod: (typeof pods)[number]) => pod.metadata!.labels!["app.kubernetes.io/name"];
        expect([...new Set(real.map(owner))].sort()).toEqual(REAL_WORKLOADS);
        for (const pod of real) {
            const name = pod.metadata!.name!;
            expect(pod.status?.phase, name).toBe("Running");
            expect(
                pod.status?.containerStatuses?.every((c) => c.ready),
                name,
            ).toBe(true);
            expect(pod.spec?.securityContext?.runAsNonRoot, name).toBe(true);
            for (const c of pod.spec!.containers) {
                expect(c.securityContext, `${name}/${c.name}`).toMatchObject({
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                });
            }
            if (NO_SHELL.includes(owner(pod))) continue;
            expect(Number((await kubectl(["exec", "-n", NAMESPACE, name, "--", "id", "-u"])).trim()), name).toBeGreaterThan(0);
            await expect(kubectl(["exec", "-n", NAMESPACE, name, "--", "touch", "/written"]), name).rejects.toThrow(
                /Read-only file system/,
            );
        }
        const simulated = pods.filter((p) => p.spec?.nodeName?.startsWith("kwok-"));
        expect([...new Set(simulated.map((p) => p.metadata!.labels!["app.kubernetes.io/name"]))].sort()).toEqual(["gateway", "router"]);
    });

    it("has stores that accept the passwords in their Secrets, and mcp-ops reaches them with no hand-made port-forward", async () => {
        for (const store of ["redis", "postgres"]) {
            const stats = await project.cli([store, "stats", "--password-secret", `${store}-password`, "--json"]);
            expect(stats.code, stats.stderr).toBe(0);
            expect(stats.stderr).toContain(`reaching ${store} through a port-forward to pod ${NAMESPACE}/${store}-0`);
            expect(stats.stdout + stats.stderr).not.toContain(await secret(`${store}-password`));
        }

        const redisForward = await portForward(clusterDir(), NAMESPACE, "svc/redis", 6379);
        const redis = new Redis({ port: redisForward.port, password: await secret("redis-password"), lazyConnect: true });
        try {
            await redis.connect();
            expect(await redis.ping()).toBe("PONG");
        } finally {
            redis.disconnect();
            redisForward.close();
        }
        const pgForward = await portForward(clusterDir(), NAMESPACE, "svc/postgres", 5432);
        const pg = new Client({
            port: pgForward.port,
            host: "127.0.0.1",
            user: "mcp_a",
            database: "mcp",
            password: await secret("postgres-password"),
        });
        try {
            await pg.connect();
            // A login role of the generation in use, acting as the owner of the database's objects.
            expect((await pg.query("SELECT session_user AS login, current_user AS who")).rows).toEqual([{ login: "mcp_a", who: "mcp" }]);
        } finally {
            await pg.end();
            pgForward.close();
        }
    });

    it("has MCP servers that answer tools/list through their Services, and the prober in the cluster sees them up", async () => {
        // health from outside the cluster reaches each server through its own port-forward to the Service's pod.
        const health = await project.cli(["health", "--json", "--no-redis"]);
        const report = JSON.parse(health.stdout);
        expect(
            report.services.map((s: any) => [s.name, s.status, s.mcp.tools.length > 0]),
            health.stdout,
        ).toEqual([
            ["mcp-filesystem", "HEALTHY", true],
            ["mcp-memory", "HEALTHY", true],
        ]);
        expect(health.code).toBe(0);
        await eventually(
            "the prober reports both servers up",
            proberMetrics,
            (m) => up(m, "mcp-memory") === 1 && up(m, "mcp-filesystem") === 1,
            180_000,
        );
    });

    it("has a prober that reports a stopped server down, and up again once it runs", async () => {
        await kubectl(["scale", "-n", NAMESPACE, "deployment/mcp-filesystem", "--replicas=0"]);
        await eventually("the prober reports mcp-filesystem down", proberMetrics, (m) => up(m, "mcp-filesystem") === 0, 180_000);
        await kubectl(["scale", "-n", NAMESPACE, "deployment/mcp-filesystem", "--replicas=1"]);
        await eventually("the prober reports mcp-filesystem up", proberMetrics, (m) => up(m, "mcp-filesystem") === 1, 180_000);
    });

    it("lets no undeclared pod connect to an MCP server, in normal times and in lockdown, while the prober still can", async () => {
        await kubectl(["apply", "-f", "-"], JSON.stringify(untrusted));
        await kubectl(["wait", "-n", NAMESPACE, "pod/untrusted", "--for=condition=Ready", "--timeout=60s"]);
        const server = `mcp-memory.${NAMESPACE}.svc.cluster.local`;
        expect(await untrustedConnects(server, 3000)).toBe(false);

        const on = await project.cli(["lockdown", "on", "--yes", "--reason", "e2e: untrusted pod"]);
        expect(on.code, on.stderr).toBe(0);
        expect(await untrustedConnects(server, 3000)).toBe(false);
        const before = probes(await proberMetrics(), "mcp-memory");
        const during = await eventually(
            "the prober probes again during the lockdown",
            proberMetrics,
            (m) => probes(m, "mcp-memory") > before,
            180_000,
        );
        expect(up(during, "mcp-memory")).toBe(1);
        const off = await project.cli(["lockdown", "off", "--yes", "--reason", "e2e: done"]);
        expect(off.code, off.stderr).toBe(0);
        await kubectl(["delete", "-n", NAMESPACE, "pod/untrusted", "--wait=false"]);
    });

    it("rotates the Redis password during a lockdown: the credentials Job is trusted, and the store takes the new value", async () => {
        const before = await secret("redis-password");
        const on = await project.cli(["lockdown", "on", "--yes", "--reason", "e2e: breach"]);
        expect(on.code, on.stderr).toBe(0);
        try {
            const rotated = await project.cli(["rotate", "redis-password", "--yes", "--reason", "e2e: breach"]);
            expect(rotated.code, rotated.stderr).toBe(0);
        } finally {
            const off = await project.cli(["lockdown", "off", "--yes", "--reason", "e2e: done"]);
            expect(off.code, off.stderr).toBe(0);
        }
        const after = await secret("redis-password");
        expect(after).not.toBe(before);
        const forward = await portForward(clusterDir(), NAMESPACE, "svc/redis", 6379);
        const login = (password: string) =>
            new Redis({ port: forward.port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        const [current, retired] = [login(after), login(before)];
        const refusals: string[] = [];
        retired.on("error", (error: Error) => refusals.push(error.message));
        try {
            await current.connect();
            expect(await current.ping()).toBe("PONG");
            await expect(retired.connect()).rejects.toThrow();
            expect(refusals.join("\n")).toMatch(/WRONGPASS/);
        } finally {
            current.disconnect();
            retired.disconnect();
            forward.close();
        }
    });

    it("runs the scheduled backups for real, and the monthly drill CronJobs restore and verify the newest of each", async () => {
        for (const store of ["redis", "postgres"]) {
            const run = await project.cli(["backup", "now", store, "--json"]);
            expect(run.code, `${store}: ${run.stderr}`).toBe(0);
        }
        // The backup volume is a folder of the real node (cluster/local/storage.yaml's host paths).
        const claim = await project.kube.core.readNamespacedPersistentVolumeClaim({ name: "backups", namespace: NAMESPACE });
        const volume = await project.kube.core.readPersistentVolume({ name: claim.spec!.volumeName! });
        const folder = join(clusterDir(), "node", "volumes", volume.spec!.hostPath!.path.replace("/var/local/", ""));
        const files = walk(folder).map((f) => f.slice(folder.length + 1));
        expect(files.filter((f) => f.endsWith(".rdb")).length, `RDB files in ${folder}`).toBeGreaterThan(0);
        expect(
            files.find((f) => f.endsWith(".dump")),
            `dumps in ${folder}`,
        ).toBeDefined();

        // mcp-ops lists them through a short-lived pod that mounts the volume, and leaves no pod behind.
        const listed = await project.cli(["backup", "list", "--json"]);
        expect(listed.code, listed.stderr).toBe(0);
        const { where, backups } = JSON.parse(listed.stdout) as {
            where: string;
            backups: Array<{ store: string; name: string; manifest: string }>;
        };
        expect(where).toBe(`volume ${NAMESPACE}/backups`);
        expect(backups.filter((b) => b.store === "postgres").map((b) => `postgres/${b.name}`)).toEqual(
            files.filter((f) => f.startsWith("postgres/") && f.endsWith(".dump")),
        );
        expect(backups.find((b) => b.store === "postgres")?.manifest).toBe("present");
        expect(backups.find((b) => b.store === "redis")?.manifest).toBe("none");
        const readers = await project.kube.core.listNamespacedPod({
            namespace: NAMESPACE,
            labelSelector: "app.kubernetes.io/name=backup-reader",
        });
        expect(readers.items.filter((p) => !p.metadata?.deletionTimestamp)).toEqual([]);

        // The drill from here: the RDB fetched through the reader pod loads in this machine's redis-server.
        const drill = await project.cli(["backup", "drill", "redis"]);
        expect(drill.code, drill.stderr).toBe(0);
        expect(drill.stdout).toMatch(/restore drill passed/);

        // The drills as the schedule runs them, in the ops image on the real node (the dump's pg_dump 17
        // needs the image's pg_restore 17; the RDB loads in the image's redis-server).
        for (const store of ["postgres", "redis"]) {
            const job = `${store}-drill-e2e`;
            await kubectl(["create", "job", "-n", NAMESPACE, job, `--from=cronjob/${store}-backup-drill`]);
            await kubectl(["wait", "-n", NAMESPACE, `job/${job}`, "--for=condition=Complete", "--timeout=300s"]).catch(async (e) => {
                throw new Error(`${(e as Error).message}\n${await kubectl(["logs", "-n", NAMESPACE, `job/${job}`]).catch(() => "")}`);
            });
            const log = await kubectl(["logs", "-n", NAMESPACE, `job/${job}`]);
            expect(log).toMatch(store === "postgres" ? /restore verified: .* tables, (\d+) of \1 rows/ : /restore drill passed/);
        }
    });

    it("restores the newest Redis backup into the live store during maintenance, and refuses it outside", async () => {
        const refused = await project.cli(LIVE_REDIS_RESTORE);
        expect(refused.code).toBe(64);
        expect(refused.stderr).toMatch(/is not in maintenance/);

        const forward = await portForward(clusterDir(), NAMESPACE, "svc/redis", 6379);
        const redis = new Redis({ port: forward.port, password: await secret("redis-password"), lazyConnect: true });
        try {
            await redis.connect();
            const keysInBackup = await redis.dbsize();
            await redis.set("e2e:written-after-the-backup", "x");
            expect((await project.cli(["maintenance", "on", "--yes", "--reason", "e2e: restore"])).code).toBe(0);
            const run = await project.cli(LIVE_REDIS_RESTORE);
            expect(run.code, run.stderr).toBe(0);
            expect(run.stdout).toMatch(/keys written, 1 removed;/);
            expect(await redis.exists("e2e:written-after-the-backup")).toBe(0);
            expect(await redis.dbsize()).toBe(keysInBackup);
            expect(run.stdout + run.stderr).not.toContain(await secret("redis-password"));
        } finally {
            redis.disconnect();
            forward.close();
            expect((await project.cli(["maintenance", "off", "--yes", "--reason", "e2e: restored"])).code).toBe(0);
        }
        await kubectl(["rollout", "status", "-n", NAMESPACE, "deployment/mcp-memory", "--timeout=180s"]);
    });

    it("reverts a change whose pods never become ready: a memory limit the server cannot start in", async () => {
        const memoryLimit = async () =>
            (await project.kube.apps.readNamespacedDeployment({ name: "mcp-memory", namespace: NAMESPACE })).spec!.template.spec!
                .containers[0].resources!.limits!.memory;
        const before = await memoryLimit();
        const run = await project.cli([
            "resources",
            "mcp-memory",
            "--memory",
            "8Mi",
            "--request-memory",
            "8Mi",
            "--yes",
            "--json",
            "--verify-timeout",
            "60",
        ]);
        expect(JSON.parse(run.stdout).outcome, run.stderr).toBe("reverted");
        expect(await memoryLimit()).toBe(before);
        await kubectl(["rollout", "status", "-n", NAMESPACE, "deployment/mcp-memory", "--timeout=120s"]);
        await eventually("the prober reports mcp-memory up", proberMetrics, (m) => up(m, "mcp-memory") === 1, 180_000);
    });

    it("diagnoses a service from the command line: pods on the real node, DNS, callers, usage, the ops change touching it", async () => {
        const restart = await project.cli(["restart", "mcp-memory", "--yes", "--reason", "e2e: diagnose"]);
        expect(restart.code, restart.stderr).toBe(0);
        // The kubelet measures a new pod within its housekeeping interval (seconds).
        const run = await eventually(
            "diagnose reports the new pod's memory",
            () => project.cli(["diagnose", "mcp-memory", "--json"]),
            (r) => (JSON.parse(r.stdout || "{}") as DiagnoseReport).facts?.usage?.[0]?.memoryBytes !== undefined,
            60_000,
        );
        expect([0, 1], run.stderr).toContain(run.code);
        const report = JSON.parse(run.stdout) as DiagnoseReport;
        expect(report.facts.pods.every((p) => !p.simulated && p.ready)).toBe(true);
        expect(report.facts.dns.addresses).toEqual([report.facts.clusterIP]);
        expect(report.facts.usage[0].memoryBytes).toBeGreaterThan(1 << 20);
        expect(report.facts.ingress.kind).toBe("rules");
        const peers = report.facts.ingress.kind === "rules" ? report.facts.ingress.rules.flatMap((r) => r.peers).join(" ") : "";
        expect(peers).toMatch(/pods app\.kubernetes\.io\/name=mcp-prober,\S+ \(1 here now\)/);
        expect(peers).toMatch(/pods app\.kubernetes\.io\/name=router,/);
        expect(report.changes[0]).toMatchObject({
            operation: "restart",
            reason: "e2e: diagnose",
            paths: ["services.mcp-memory.restartEpoch"],
        });
        // It reads PostgreSQL's password: the value appears nowhere in the report.
        expect(run.stdout + run.stderr).not.toContain(await secret("postgres-password"));

        const simulated = await project.cli(["diagnose", "router"]);
        expect(simulated.stdout).toMatch(/NOTE +its pods run on simulated nodes/);
        expect(simulated.stdout).not.toMatch(/UNHEALTHY/);
    });

    // Before rotations had phases, the image read POSTGRES_PASSWORD only into an empty data folder:
    // after a rotation the server kept the old password and every consumer's login failed. Now each
    // phase is an update whose credentials Job changes the live store, and clients of both values
    // keep working while consumers roll; the stores themselves never restart.
    it("rotates both store passwords in phases under load: 0 refused logins, stores never restarted, consumers rolled", async () => {
        const podOf = async (name: string) => {
            const pod = await project.kube.core.readNamespacedPod({ name, namespace: NAMESPACE });
            return { uid: pod.metadata!.uid, restarts: pod.status!.containerStatuses![0].restartCount };
        };
        const storesBefore = [await podOf("redis-0"), await podOf("postgres-0")];
        const exporterPod = async () =>
            (await project.kube.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: "app.kubernetes.io/name=postgres-exporter" }))
                .items[0].metadata!.name!;
        const exporterBefore = await exporterPod();
        const redisExporterPod = async () =>
            (await project.kube.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: "app.kubernetes.io/name=redis-exporter" }))
                .items[0].metadata!.name!;
        const redisExporterBefore = await redisExporterPod();
        const pgForward = await portForward(clusterDir(), NAMESPACE, "svc/postgres", 5432);
        const redisForward = await portForward(clusterDir(), NAMESPACE, "svc/redis", 6379);
        // Clients of each store through a port-forward, as a consumer holds them: a credential fixed at start.
        const pg = postgresLoad({ host: "127.0.0.1", port: pgForward.port, database: "mcp" });
        const redis = redisLoad(redisForward.port);
        try {
            await pg.begin(2, { user: "mcp_a", password: await secret("postgres-password") });
            await redis.begin(2, await secret("redis-password"));
            const phase = async (name: string) => {
                const run = await project.cli([
                    "rotate",
                    "postgres-password",
                    "redis-password",
                    "--phase",
                    name,
                    "--yes",
                    "--reason",
                    "e2e",
                ]);
                expect(run.code, run.stderr).toBe(0);
                return run;
            };
            await phase("add");
            const status = await project.cli(["rotate", "--status"]);
            expect(status.stdout).toContain("postgres-password: mid-rotation, added: generations 0 and 1 accepted, consumers use 0");
            await phase("roll");
            // The clients' rolling update: new instances start with what the Secret now holds.
            await pg.roll({ user: "mcp_b", password: await secret("postgres-password") });
            await redis.roll(await secret("redis-password"));
            const retire = await phase("retire");
            expect(retire.stderr).toMatch(/waiting \d+s before retiring/);
            await pg.hold(2000);
        } finally {
            const counts = { postgres: await pg.end(), redis: await redis.end() };
            pgForward.close();
            redisForward.close();
            console.log(`e2e rotation under load: ${JSON.stringify(counts)}`);
            expect(counts.postgres).toMatchObject({ failed: 0, refusedLogins: 0 });
            expect(counts.redis).toMatchObject({ failed: 0, refusedLogins: 0 });
            expect(counts.postgres.requests + counts.redis.requests).toBeGreaterThan(100);
        }
        expect([await podOf("redis-0"), await podOf("postgres-0")]).toEqual(storesBefore);
        // From inside the cluster: the exporter rolled onto the new login and logs in; a backup job does too.
        expect(await exporterPod()).not.toBe(exporterBefore);
        await eventually(
            "postgres_exporter logs in with the new login",
            async () => {
                const forward = await portForward(clusterDir(), NAMESPACE, "svc/postgres-exporter", 9187);
                try {
                    return await (await fetch(`http://127.0.0.1:${forward.port}/metrics`)).text();
                } finally {
                    forward.close();
                }
            },
            (m) => /^pg_up 1$/m.test(m),
            120_000,
        );
        expect(await redisExporterPod()).not.toBe(redisExporterBefore);
        await eventually(
            "redis_exporter logs in with the new password",
            async () => {
                const forward = await portForward(clusterDir(), NAMESPACE, "svc/redis-exporter", 9121);
                try {
                    return await (await fetch(`http://127.0.0.1:${forward.port}/metrics`)).text();
                } finally {
                    forward.close();
                }
            },
            (m) => /^redis_up 1$/m.test(m),
            120_000,
        );
        const backup = await project.cli(["backup", "now", "postgres"]);
        expect(backup.code, backup.stderr).toBe(0);
        const status = await project.cli(["rotate", "--status", "--json"]);
        expect(JSON.parse(status.stdout)).toContainEqual(
            expect.objectContaining({ secret: "postgres-password", phase: "idle", generation: 1 }),
        );
    });
});

function walk(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? walk(path) : [path];
    });
}
