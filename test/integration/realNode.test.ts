import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImages, defaultOptions } from "../../images/build";
import { imageByName } from "../../images/catalog";
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
