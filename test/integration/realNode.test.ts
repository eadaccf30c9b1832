import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImages, defaultOptions } from "../../images/build";
import { imageByName } from "../../images/catalog";
import { findingsOf } from "../../ops/diagnose/findings";
import { gatherServiceFacts } from "../../ops/diagnose/gather";
import { openTunnel } from "../../ops/kube/tunnel";
import { type HostState, hostState } from "../support/hostState";
import { type LocalCluster, localCluster } from "../support/localCluster";
import { type Kubectl, kubectlFor, portForward } from "../support/kubectl";

/**
 * A real node on the local cluster (scripts/cluster.sh up --real): containers run, Services and
 * cluster DNS answer, NetworkPolicies block, the API server reaches into pods, and `down` leaves the
 * host exactly as it found it. Needs root, like the node itself.
 */
const NS = "real-node-test";
const REDIS = imageByName("redis").ref;
const restrictedPod = { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, seccompProfile: { type: "RuntimeDefault" } };
const restrictedContainer = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

/** A long-lived pod to ask the store from (kube-router admits a pod's address once it runs). */
function clientPod(name: string, labels: Record<string, string>) {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: NS, labels },
        spec: {
            nodeSelector: { type: "real" },
            securityContext: restrictedPod,
            terminationGracePeriodSeconds: 0,
            containers: [{ name: "client", image: REDIS, command: ["sleep", "3600"], securityContext: restrictedContainer }],
        },
    };
}

const store = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } },
    {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "store", namespace: NS },
        spec: {
            selector: { matchLabels: { app: "store" } },
            template: {
                metadata: { labels: { app: "store" } },
                spec: {
                    nodeSelector: { type: "real" },
                    securityContext: restrictedPod,
                    containers: [
                        {
                            name: "redis",
                            image: REDIS,
                            command: ["redis-server", "--save", "", "--appendonly", "no", "--protected-mode", "no", "--dir", "/tmp"],
                            ports: [{ containerPort: 6379 }],
                            readinessProbe: { tcpSocket: { port: 6379 }, periodSeconds: 1 },
                            securityContext: restrictedContainer,
                            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                        },
                    ],
                    volumes: [{ name: "tmp", emptyDir: {} }],
                },
            },
        },
    },
    {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "store", namespace: NS },
        spec: { selector: { app: "store" }, ports: [{ port: 6379, targetPort: 6379 }] },
    },
];

/** Only pods labelled role=caller may connect to the store. */
const callersOnly = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "store-callers-only", namespace: NS },
    spec: {
        podSelector: { matchLabels: { app: "store" } },
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ podSelector: { matchLabels: { role: "caller" } } }], ports: [{ port: 6379 }] }],
    },
};

/** A Deployment and its Service whose one container runs `script` under bash, with a Secret's value in $TOKEN. */
function failingService(name: string, script: string, memoryLimit?: string) {
    return [
        { apiVersion: "v1", kind: "Secret", metadata: { name: `${name}-token`, namespace: NS }, stringData: { value: DIAGNOSE_TOKEN } },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name, namespace: NS },
            spec: {
                selector: { matchLabels: { app: name } },
                template: {
                    metadata: { labels: { app: name } },
                    spec: {
                        nodeSelector: { type: "real" },
                        securityContext: restrictedPod,
                        terminationGracePeriodSeconds: 0,
                        containers: [
                            {
                                name: "main",
                                image: REDIS,
                                command: ["bash", "-c", script],
                                env: [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: `${name}-token`, key: "value" } } }],
                                readinessProbe: { exec: { command: ["true"] }, periodSeconds: 1 },
                                securityContext: restrictedContainer,
                                ...(memoryLimit ? { resources: { limits: { memory: memoryLimit } } } : {}),
                            },
                        ],
                    },
                },
            },
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name, namespace: NS },
            spec: { selector: { app: name }, ports: [{ port: 8080 }] },
        },
    ];
}
const DIAGNOSE_TOKEN = "tok-7f3a9c1e5b2d4680";
const DIAGNOSE = { logLines: 20, sinceSeconds: 3600, dns: true };

describe("a real node", () => {
    let cluster: LocalCluster;
    let imagesDir: string;
    let before: HostState;
    let kubectl: Kubectl;

    async function startClient(name: string, labels: Record<string, string> = {}) {
        await kubectl(["apply", "-f", "-"], JSON.stringify(clientPod(name, labels)));
        await kubectl(["wait", "-n", NS, `pod/${name}`, "--for=condition=Ready", "--timeout=60s"]);
    }

    /** PING from a client pod to the store by its Service name: the reply, or the error. */
    const ping = (client: string) =>
        kubectl(["exec", "-n", NS, client, "--", "timeout", "5", "redis-cli", "-h", `store.${NS}.svc.cluster.local`, "ping"]).then(
            (out) => out.trim(),
            (error: Error) => `failed: ${error.message}`,
        );

    /** Asks until the answer is PONG (or is not), for at most a minute: rules take a sync to apply. */
    async function pingUntil(client: string, pong: boolean) {
        const deadline = Date.now() + 60_000;
        for (;;) {
            const answer = await ping(client);
            if ((answer === "PONG") === pong || Date.now() > deadline) return answer;
            await new Promise((r) => setTimeout(r, 1000));
        }
    }

    /** Waits until the service's first pod has restarted its container once (at most 2 minutes). */
    async function restartedOnce(app: string) {
        const deadline = Date.now() + 120_000;
        for (;;) {
            const count = await kubectl([
                "get",
                "pods",
                "-n",
                NS,
                "-l",
                `app=${app}`,
                "-o",
                "jsonpath={.items[0].status.containerStatuses[0].restartCount}",
            ]);
            if (Number(count.trim()) >= 1) return;
            if (Date.now() > deadline) throw new Error(`${app}'s container did not restart within 2 minutes`);
            await new Promise((r) => setTimeout(r, 1000));
        }
    }

    beforeAll(async () => {
        imagesDir = mkdtempSync(join(tmpdir(), "mcp-node-images-"));
        await buildImages({ ...defaultOptions(), names: ["pause", "coredns", "redis"], outDir: imagesDir });
        cluster = localCluster({ real: true, imagesDir });
        before = hostState(cluster.dir);
        const up = await cluster.run("up");
        if (up.code !== 0) throw new Error(`cluster up --real failed:\n${up.output}`);
        kubectl = kubectlFor(cluster.dir);
        await kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: store }));
        await kubectl(["rollout", "status", "-n", NS, "deployment/store", "--timeout=90s"]);
    }, 30 * 60_000);

    afterAll(async () => {
        await cluster?.run("down");
        if (imagesDir) rmSync(imagesDir, { recursive: true, force: true });
    }, 180_000);

    it("joins the cluster beside the simulated nodes, and status lists its processes", async () => {
        const nodes = await kubectl(["get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.labels.type} {end}"]);
        expect(nodes.trim().split(" ").sort()).toEqual(["kwok-node-a=kwok", "kwok-node-b=kwok", "real-node=real"]);
        const status = await cluster.run("status");
        expect(status.code).toBe(0);
        for (const part of ["containerd", "kubelet", "kube-proxy", "kube-router"]) expect(status.output).toMatch(`node ${part}: running`);
    });

    it("runs containers that reach each other by Service name (CoreDNS, kube-proxy)", async () => {
        await startClient("client");
        expect(await ping("client")).toBe("PONG");
    });

    it("runs pods as declared: the image's user, a read-only root filesystem", async () => {
        const pod = (await kubectl(["get", "pods", "-n", NS, "-l", "app=store", "-o", "jsonpath={.items[0].metadata.name}"])).trim();
        expect((await kubectl(["exec", "-n", NS, pod, "--", "id", "-u"])).trim()).toBe("999");
        await expect(kubectl(["exec", "-n", NS, pod, "--", "touch", "/written"])).rejects.toThrow(/Read-only file system/);
    });

    it("lets the API server reach into pods: a port-forward from this host answers", async () => {
        const forward = await portForward(cluster.dir, NS, "svc/store", 6379);
        const redis = new Redis({ host: "127.0.0.1", port: forward.port, lazyConnect: true, maxRetriesPerRequest: 1 });
        try {
            await redis.connect();
            expect(await redis.ping()).toBe("PONG");
        } finally {
            redis.disconnect();
            forward.close();
        }
    });

    it("opens mcp-ops' own tunnel to a Service through the API server, and refuses one with no ready pod", async () => {
        const tunnel = await openTunnel(cluster.kubeconfig, NS, "store", 6379);
        const redis = new Redis({ host: tunnel.host, port: tunnel.port, lazyConnect: true, maxRetriesPerRequest: 1 });
        try {
            await redis.connect();
            expect(await redis.ping()).toBe("PONG");
            expect(tunnel.pod).toMatch(/^store-/);
        } finally {
            redis.disconnect();
            tunnel.close();
        }
        // kubectl's Service selects app=nobody: no such pod.
        await kubectl(["create", "service", "clusterip", "nobody", "-n", NS, "--tcp=6379:6379"]);
        await expect(openTunnel(cluster.kubeconfig, NS, "nobody", 6379)).rejects.toThrow(`no ready pod behind Service ${NS}/nobody`);
        await expect(openTunnel(cluster.kubeconfig, NS, "missing", 6379)).rejects.toThrow(`no Service ${NS}/missing to reach`);
    });

    it("enforces NetworkPolicies: a pod that is not a declared caller cannot connect, a caller can", async () => {
        await kubectl(["apply", "-f", "-"], JSON.stringify(callersOnly));
        await startClient("caller", { role: "caller" });
        // kube-router applies a policy on its next sync, so each side is asked until it holds.
        const stranger = await pingUntil("client", false);
        expect(stranger).toMatch(/^failed: .*(Connection refused|timed out|exit code 124)/s);
        expect(await pingUntil("caller", true)).toBe("PONG");
        // The stranger stays shut out once the rule is in place.
        expect(await ping("client")).toMatch(/^failed: /);
    });

    it("diagnoses a crashing service: exit code and the last run's log with its secret masked, no endpoint, DNS answered", async () => {
        const script = 'echo "starting with token $TOKEN"; echo "fatal: cannot open the listener" >&2; exit 3';
        await kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: failingService("crasher", script) }));
        await restartedOnce("crasher");
        const facts = await gatherServiceFacts(cluster.kubeconfig, NS, "crasher", DIAGNOSE);
        const [container] = facts.pods[0].containers;
        expect(container.lastTermination).toMatchObject({ reason: "Error", exitCode: 3 });
        // stdout and stderr reach the log through two pipes the runtime reads apart: lines written together may swap.
        expect([...container.lastRunLog!].sort()).toEqual(["fatal: cannot open the listener", "starting with token [secret]"]);
        expect(JSON.stringify(facts)).not.toContain(DIAGNOSE_TOKEN);
        expect(facts.workload).toMatchObject({ kind: "Deployment", name: "crasher", desired: 1 });
        expect(facts.dns).toMatchObject({ addresses: [facts.clusterIP], rcode: "NOERROR" });
        expect(facts.dns.notChecked).toBeUndefined();
        expect(facts.events.some((e) => e.reason === "BackOff" || e.reason === "Started")).toBe(true);
        const findings = findingsOf(facts, []);
        expect(findings.map((f) => f.what)).toContain(
            `${facts.pods[0].name}/main restarted ${container.restarts} times, last: Error (exit 3)`,
        );
        expect(findings.filter((f) => f.severity === "UNHEALTHY").length).toBeGreaterThan(0);
    }, 180_000);

    it("diagnoses an OOM kill, and a healthy store with its usage, DNS and who may connect", async () => {
        // 200 MB into a shell variable under a 24 MiB limit: the kernel kills it.
        const script = "x=$(head -c 200000000 /dev/zero | tr '\\0' a); sleep 3600";
        await kubectl(
            ["apply", "-f", "-"],
            JSON.stringify({ apiVersion: "v1", kind: "List", items: failingService("hog", script, "24Mi") }),
        );
        await restartedOnce("hog");
        const hog = await gatherServiceFacts(cluster.kubeconfig, NS, "hog", DIAGNOSE);
        expect(hog.pods[0].containers[0].lastTermination).toMatchObject({ reason: "OOMKilled", exitCode: 137 });
        expect(findingsOf(hog, []).map((f) => f.what)).toContain(
            `${hog.pods[0].name}/main was OOMKilled (${hog.pods[0].containers[0].restarts} restarts)`,
        );

        const store = await gatherServiceFacts(cluster.kubeconfig, NS, "store", DIAGNOSE);
        expect(store.endpoints.ready).toHaveLength(1);
        expect(store.dns.addresses).toEqual([store.clusterIP]);
        expect(store.ingress).toEqual({
            kind: "rules",
            rules: [{ policy: "store-callers-only", peers: ["pods role=caller (1 here now)"], ports: ["6379/TCP"] }],
        });
        // The kubelet's own figures, through the API server: a running redis-server uses some memory.
        const [usage] = store.usage;
        expect(usage.memoryBytes).toBeGreaterThan(1 << 20);
        expect(usage.cpuCores).toBeGreaterThanOrEqual(0);
        expect(store.usageNotes).toEqual([]);
        expect(findingsOf(store, []).filter((f) => f.severity !== "NOTE")).toEqual([]);
    }, 180_000);

    it("down stops everything and leaves the host as it was, also when a second real node outlives the first", async () => {
        // The kubelet's kernel settings are host-wide: the first node's down must leave them to the
        // second, and the second's down must put back what the host had before either.
        const running = hostState(cluster.dir).sysctls;
        const second = localCluster({ real: true, imagesDir });
        try {
            const up = await second.run("up");
            expect(up.code, up.output).toBe(0);
            const down = await cluster.run("down");
            expect(down.code).toBe(0);
            expect(hostState(cluster.dir).processes).toEqual([]);
            expect(hostState(second.dir).sysctls).toEqual(running);
        } finally {
            await second.run("down");
        }
        expect(hostState(second.dir).processes).toEqual([]);
        const after = hostState(cluster.dir);
        expect(after.processes).toEqual([]);
        expect(after).toEqual(before);
    }, 300_000);
});
