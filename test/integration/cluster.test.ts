import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeConfigFrom, loadKubeClient } from "../../ops/kube/client";
import { describeStuck, verifyRollouts } from "../../ops/kube/rollout";
import { workloadReadiness } from "../../ops/health/workloads";
import { runCli } from "../support/cli";
import { type LocalCluster, localCluster } from "../support/localCluster";
import { startRedisServer } from "../support/redisServer";
import { opsProject } from "../support/opsProject";
import { applyChange } from "../../ops/change/pipeline";
import { CommandContext } from "../../ops/commandLine/context";
import { parseAuditMessage } from "../../ops/change/audit";
import { planScaleReplicas } from "../../ops/commands/scale";
import { parse } from "yaml";

const NS = "cluster-test";
const restrictedPod = { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } };
const restrictedContainer = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
const container = (name: string) => ({ name, image: "example/app:1.0.0", securityContext: restrictedContainer });

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 60): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        const value = await probe().catch(() => undefined);
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`${what} did not happen within ${seconds}s`);
        await new Promise((r) => setTimeout(r, 500));
    }
}

/** Processes of this cluster still alive (zombies waiting for a reaper excluded). */
function liveClusterProcesses(dir: string): string[] {
    const out = execFileSync("ps", ["-eo", "stat=,args="], { encoding: "utf8" });
    return out.split("\n").filter((line) => line.includes(dir) && !line.trim().startsWith("Z"));
}

describe("the local cluster", () => {
    let cluster: LocalCluster;
    let k8s: Awaited<ReturnType<typeof loadKubeClient>>;
    let kc: Awaited<ReturnType<typeof kubeConfigFrom>>;

    beforeAll(async () => {
        cluster = localCluster();
        const up = await cluster.run("up");
        if (up.code !== 0) throw new Error(`cluster up failed:\n${up.output}`);
        k8s = await loadKubeClient();
        kc = await kubeConfigFrom(cluster.kubeconfig);
    }, 45 * 60_000);

    afterAll(async () => {
        await cluster?.run("down");
    }, 120_000);

    it("is idempotent: a second up leaves the running cluster alone", async () => {
        const again = await cluster.run("up");
        expect(again.code).toBe(0);
        expect(again.output).toContain(`already running (kubeconfig: ${cluster.kubeconfig})`);
        const status = await cluster.run("status");
        expect(status.code).toBe(0);
        expect(status.output).toMatch(/kube-apiserver: running/);
        expect(status.output).toMatch(/api: ready/);
        expect(status.output).toMatch(/kwok-node-a\s+Ready/);
    });

    it("runs restricted Deployments and StatefulSets with bound volumes to Ready, and Jobs to completion", async () => {
        const core = kc.makeApiClient(k8s.CoreV1Api);
        const apps = kc.makeApiClient(k8s.AppsV1Api);
        const batch = kc.makeApiClient(k8s.BatchV1Api);
        await core.createNamespace({ body: { metadata: { name: NS, labels: { "pod-security.kubernetes.io/enforce": "restricted" } } } });
        const labels = (app: string) => ({ app });
        await apps.createNamespacedDeployment({
            namespace: NS,
            body: {
                metadata: { name: "web" },
                spec: {
                    replicas: 3,
                    selector: { matchLabels: labels("web") },
                    template: {
                        metadata: { labels: labels("web") },
                        spec: { securityContext: restrictedPod, containers: [container("web")] },
                    },
                },
            },
        });
        await apps.createNamespacedStatefulSet({
            namespace: NS,
            body: {
                metadata: { name: "store" },
                spec: {
                    serviceName: "store",
                    replicas: 1,
                    selector: { matchLabels: labels("store") },
                    template: {
                        metadata: { labels: labels("store") },
                        spec: {
                            securityContext: restrictedPod,
                            containers: [{ ...container("store"), volumeMounts: [{ name: "data", mountPath: "/data" }] }],
                        },
                    },
                    volumeClaimTemplates: [
                        {
                            metadata: { name: "data" },
                            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
                        },
                    ],
                },
            },
        });
        await batch.createNamespacedCronJob({
            namespace: NS,
            body: {
                metadata: { name: "backup" },
                spec: {
                    schedule: "0 3 * * *",
                    concurrencyPolicy: "Forbid",
                    jobTemplate: {
                        spec: {
                            template: { spec: { restartPolicy: "Never", securityContext: restrictedPod, containers: [container("dump")] } },
                        },
                    },
                },
            },
        });
        const cron = await batch.readNamespacedCronJob({ name: "backup", namespace: NS });
        await batch.createNamespacedJob({ namespace: NS, body: { metadata: { name: "backup-now" }, spec: cron.spec!.jobTemplate.spec } });

        await until("Deployment available", async () =>
            (await apps.readNamespacedDeployment({ name: "web", namespace: NS })).status?.availableReplicas === 3 ? true : undefined,
        );
        await until("StatefulSet ready", async () =>
            (await apps.readNamespacedStatefulSet({ name: "store", namespace: NS })).status?.readyReplicas === 1 ? true : undefined,
        );
        const pvc = await core.readNamespacedPersistentVolumeClaim({ name: "data-store-0", namespace: NS });
        expect(pvc.status?.phase).toBe("Bound");
        await until("Job complete", async () =>
            (await batch.readNamespacedJob({ name: "backup-now", namespace: NS })).status?.succeeded === 1 ? true : undefined,
        );
    });

    it("accepts HPAs and the cert-manager and Prometheus operator resources", async () => {
        const autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
        const custom = kc.makeApiClient(k8s.CustomObjectsApi);
        await autoscaling.createNamespacedHorizontalPodAutoscaler({
            namespace: NS,
            body: {
                metadata: { name: "web" },
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
                    minReplicas: 2,
                    maxReplicas: 4,
                    metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
                },
            },
        });
        for (const [group, plural, kind, spec] of [
            ["cert-manager.io", "certificates", "Certificate", { secretName: "tls", dnsNames: ["a.example"], issuerRef: { name: "x" } }],
            ["cert-manager.io", "issuers", "Issuer", { selfSigned: {} }],
            ["monitoring.coreos.com", "prometheusrules", "PrometheusRule", { groups: [] }],
            ["monitoring.coreos.com", "servicemonitors", "ServiceMonitor", { selector: {}, endpoints: [{ port: "metrics" }] }],
        ] as const) {
            await custom.createNamespacedCustomObject({
                group,
                version: "v1",
                namespace: NS,
                plural,
                body: { apiVersion: `${group}/v1`, kind, metadata: { name: "t" }, spec },
            });
            const read = (await custom.getNamespacedCustomObject({ group, version: "v1", namespace: NS, plural, name: "t" })) as {
                kind: string;
            };
            expect(read.kind).toBe(kind);
        }
        const hpa = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: "web", namespace: NS });
        expect(hpa.spec?.maxReplicas).toBe(4);
    });

    it("reports workload readiness as health reads it, and through mcp-ops health", async () => {
        const apps = kc.makeApiClient(k8s.AppsV1Api);
        // A Deployment whose pods can never be scheduled stays unready.
        await apps.createNamespacedDeployment({
            namespace: NS,
            body: {
                metadata: { name: "stuck" },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: { app: "stuck" } },
                    template: {
                        metadata: { labels: { app: "stuck" } },
                        spec: { nodeSelector: { "no-such": "node" }, securityContext: restrictedPod, containers: [container("stuck")] },
                    },
                },
            },
        });
        const rows = await until("readiness settles", async () => {
            const r = await workloadReadiness(cluster.kubeconfig, NS);
            return r.find((w) => w.name === "web")?.status === "HEALTHY" ? r : undefined;
        });
        expect(rows.map((w) => [w.kind, w.name, w.status])).toEqual([
            ["StatefulSet", "store", "HEALTHY"],
            ["Deployment", "stuck", "UNHEALTHY"],
            ["Deployment", "web", "HEALTHY"],
        ]);

        const result = await runCli(["health", "--stack", "local", "--no-redis", "--kubeconfig", cluster.kubeconfig, "--json"]);
        const report = JSON.parse(result.stdout);
        // The local stack's namespace does not exist in this cluster: no workloads, not an error.
        expect(report.workloads).toEqual([]);
        expect(report.clusterError).toBeUndefined();
    });

    it("verifies rollouts: a ready Deployment passes, an unschedulable one is reported by name", async () => {
        const ok = await verifyRollouts(cluster.kubeconfig, NS, ["web"], { deadlineMs: 30_000, pollMs: 200 });
        expect(ok.ok).toBe(true);
        expect(ok.rollouts).toEqual([expect.objectContaining({ name: "web", desired: 3, available: 3, done: true })]);
        const stuck = await verifyRollouts(cluster.kubeconfig, NS, ["web", "stuck"], { deadlineMs: 2_000, pollMs: 200 });
        expect(stuck.ok).toBe(false);
        expect(describeStuck(stuck)).toBe("stuck: 0/1 available, 1 updated");
    });

    it("reads the Redis password from the stack's Kubernetes Secret, never from a flag", async () => {
        const core = kc.makeApiClient(k8s.CoreV1Api);
        await core.createNamespace({ body: { metadata: { name: "mcp-system" } } });
        await core.createNamespacedSecret({
            namespace: "mcp-system",
            body: { metadata: { name: "redis-password" }, stringData: { value: "from-the-cluster-42" } },
        });
        const redis = await startRedisServer({ password: "from-the-cluster-42" });
        try {
            const args = [
                "redis",
                "stats",
                "--stack",
                "local",
                "--url",
                `redis://127.0.0.1:${redis.port}`,
                "--kubeconfig",
                cluster.kubeconfig,
                "--json",
            ];
            const ok = await runCli([...args, "--password-secret", "redis-password"], { REDIS_PASSWORD: "" });
            expect(ok.code).toBe(0);
            expect(JSON.parse(ok.stdout).role).toBe("master");
            expect(ok.stdout + ok.stderr).not.toContain("from-the-cluster-42");
            const missing = await runCli([...args, "--password-secret", "no-such-secret"]);
            expect(missing.code).toBe(69);
            expect(missing.stderr).toContain(
                "secret mcp-system/no-such-secret does not exist; check the name (mcp:secrets) and the stack's namespace",
            );
        } finally {
            await redis.stop();
        }
    });

    it("runs a backup now from its CronJob, and says that on simulated pods nothing was backed up", async () => {
        const batch = kc.makeApiClient(k8s.BatchV1Api);
        await batch.createNamespacedCronJob({
            namespace: "mcp-system",
            body: {
                metadata: { name: "redis-backup" },
                spec: {
                    schedule: "0 */6 * * *",
                    concurrencyPolicy: "Forbid",
                    jobTemplate: {
                        spec: {
                            template: { spec: { restartPolicy: "Never", securityContext: restrictedPod, containers: [container("dump")] } },
                        },
                    },
                },
            },
        });
        const args = ["--stack", "local", "--kubeconfig", cluster.kubeconfig];
        const simulated = await runCli(["backup", "now", "redis", ...args, "--json"]);
        expect(simulated.code).toBe(69);
        expect(simulated.stdout).toBe("");
        expect(simulated.stderr).toMatch(
            new RegExp(
                String.raw`^mcp-ops: backup job redis-backup-manual-\d{14} was created from the CronJob and reported done on ` +
                    String.raw`kwok-node-[ab], but kwok's nodes are simulated: pods there report Ready, ` +
                    String.raw`but no container runs: nothing was backed up\.`,
            ),
        );
        const name = /backup job (\S+) was created/.exec(simulated.stderr)![1];
        const job = await batch.readNamespacedJob({ name, namespace: "mcp-system" });
        expect(job.status?.succeeded).toBe(1);
        expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "CronJob", name: "redis-backup" });
        const missing = await runCli(["backup", "now", "postgres", ...args]);
        expect(missing.code).toBe(69);
        expect(missing.stderr).toContain("no CronJob mcp-system/postgres-backup; is mcp:backups.enabled true and the stack deployed?");
    });

    it("refuses at once to renew a certificate nothing ever issued, changing nothing", async () => {
        const custom = kc.makeApiClient(k8s.CustomObjectsApi);
        const cert = { group: "cert-manager.io", version: "v1", namespace: "mcp-system", plural: "certificates" };
        await custom.createNamespacedCustomObject({
            ...cert,
            body: {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: "gateway" },
                spec: { secretName: "gateway-tls", dnsNames: ["gateway"], issuerRef: { name: "x" } },
            },
        });
        const result = await runCli(["cert", "renew", "--stack", "local", "--kubeconfig", cluster.kubeconfig, "--yes"]);
        // The local cluster has cert-manager's CRDs but not its controller.
        expect(result.code).toBe(69);
        expect(result.stderr).toContain(
            "Certificate mcp-system/gateway has never been issued: no cert-manager controller has written its status",
        );
        expect(result.stderr).toContain("Nothing was changed.");
        const after = (await custom.getNamespacedCustomObject({ ...cert, name: "gateway" })) as any;
        expect(after.status).toBeUndefined();
    });

    it("requests a renewal the way cert-manager's CLI does, and stops at its deadline saying what did not answer", async () => {
        const custom = kc.makeApiClient(k8s.CustomObjectsApi);
        const cert = { group: "cert-manager.io", version: "v1", namespace: "mcp-system", plural: "certificates" };
        const current = (await custom.getNamespacedCustomObject({ ...cert, name: "gateway" })) as any;
        // What cert-manager would have written after the first issuance.
        const issued = {
            notAfter: "2027-01-01T00:00:00Z",
            conditions: [
                {
                    type: "Ready",
                    status: "True",
                    reason: "Ready",
                    message: "Certificate is up to date and has not expired",
                    lastTransitionTime: new Date().toISOString(),
                },
            ],
        };
        await custom.replaceNamespacedCustomObjectStatus({ ...cert, name: "gateway", body: { ...current, status: issued } });
        const result = await runCli(["cert", "renew", "--stack", "local", "--kubeconfig", cluster.kubeconfig, "--yes", "--timeout", "2"]);
        expect(result.code).toBe(75);
        expect(result.stderr).toMatch(
            new RegExp(
                String.raw`renewal of mcp-system\/gateway was requested \(Issuing condition set\) but no new certificate arrived in \d+s ` +
                    String.raw`\(cert-manager says: Certificate is up to date and has not expired\); check that cert-manager runs`,
            ),
        );
        const after = (await custom.getNamespacedCustomObject({ ...cert, name: "gateway" })) as any;
        expect(after.status.conditions).toContainEqual(
            expect.objectContaining({ type: "Issuing", status: "True", reason: "ManuallyTriggered" }),
        );
    });

    it("preserves incident evidence in a checksummed bundle, without secrets", async () => {
        const out = join(cluster.dir, "..", `evidence-${Date.now()}`);
        try {
            const result = await runCli([
                "incident",
                "evidence",
                "--stack",
                "local",
                "--kubeconfig",
                cluster.kubeconfig,
                "--out",
                out,
                "--json",
            ]);
            expect(result.code).toBe(0);
            const manifest = JSON.parse(result.stdout);
            const files = manifest.files.map((f: any) => f.file);
            expect(files).toEqual(
                expect.arrayContaining(["events.json", "pods.json", "workloads.json", "network-policies.json", "stack-history.json"]),
            );
            expect(files.some((f: string) => f.startsWith("logs/"))).toBe(true);
            const pods = JSON.parse(readFileSync(join(out, "pods.json"), "utf8"));
            expect(pods.map((p: any) => p.name).some((n: string) => n.startsWith("redis-backup-manual"))).toBe(true);
            const everything = manifest.files.map((f: any) => readFileSync(join(out, f.file), "utf8")).join("\n");
            expect(everything).not.toContain("from-the-cluster-42");
            expect(manifest.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
        } finally {
            rmSync(out, { recursive: true, force: true });
        }
    });

    it("reverts a change whose rollout never becomes ready, as a new update (real engine, real cluster)", async () => {
        // The router's Deployment here can never schedule, as a bad image would never get ready.
        const apps = kc.makeApiClient(k8s.AppsV1Api);
        await apps.createNamespacedDeployment({
            namespace: "mcp-system",
            body: {
                metadata: { name: "router" },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: { app: "router" } },
                    template: {
                        metadata: { labels: { app: "router" } },
                        spec: { nodeSelector: { "no-such": "node" }, securityContext: restrictedPod, containers: [container("router")] },
                    },
                },
            },
        });
        const project = await opsProject();
        try {
            const flags = {
                stack: "local",
                reason: "bad rollout",
                yes: true,
                preview: false,
                revert: true,
                wait: false,
                git: true,
                verifyTimeout: 3,
                kubeconfig: cluster.kubeconfig,
            };
            const error = await applyChange(new CommandContext(project.dir, () => project.open()), flags, (current) =>
                planScaleReplicas(current, "router", 2),
            ).catch((e) => e);
            expect(error.exitCode).toBe(71);
            expect(error.message).toMatch(
                /^verification failed: router: 0\/1 available, 1 updated; the previous config was restored as update \d+$/,
            );
            const stackFile = parse(readFileSync(join(project.dir, "Pulumi.local.yaml"), "utf8")).config;
            expect(stackFile["mcp:services"].router.replicas).toBe(1);
            const history = await (await project.open()).history(2);
            expect(history.map((h) => parseAuditMessage(h.message)?.operation)).toEqual(["revert", "scale"]);
            expect(history.every((h) => h.result === "succeeded")).toBe(true);
        } finally {
            project.remove();
        }
    });

    it("stops every process and removes its state on down", async () => {
        const down = await cluster.run("down");
        expect(down.code).toBe(0);
        expect(existsSync(cluster.dir)).toBe(false);
        await until("processes exit", async () => (liveClusterProcesses(cluster.dir).length === 0 ? true : undefined), 30);
        const status = await cluster.run("status");
        expect(status.code).not.toBe(0);
    });
});
