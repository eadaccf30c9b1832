import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kubeConfigFrom, loadKubeClient } from "./client";

export interface EvidenceManifest {
    collectedAt: string;
    namespace: string;
    files: Array<{ file: string; bytes: number; sha256: string }>;
}

/**
 * Preserves what an investigation needs before pods are replaced: events, pods and their
 * statuses, workloads, network policies, the last lines of every container's log, and the
 * stack history when given, each file checksummed in a manifest. Secrets are never collected.
 */
export async function collectEvidence(
    kubeconfig: string,
    namespace: string,
    outDir: string,
    options: { logLines?: number; history?: unknown } = {},
): Promise<EvidenceManifest> {
    const client = await loadKubeClient();
    const kc = await kubeConfigFrom(kubeconfig);
    const core = kc.makeApiClient(client.CoreV1Api);
    const apps = kc.makeApiClient(client.AppsV1Api);
    const net = kc.makeApiClient(client.NetworkingV1Api);
    mkdirSync(join(outDir, "logs"), { recursive: true });
    const written: string[] = [];
    const save = (file: string, content: unknown) => {
        writeFileSync(join(outDir, file), typeof content === "string" ? content : JSON.stringify(content, null, 2));
        written.push(file);
    };

    const [events, pods, deployments, statefulSets, policies] = await Promise.all([
        core.listNamespacedEvent({ namespace }),
        core.listNamespacedPod({ namespace }),
        apps.listNamespacedDeployment({ namespace }),
        apps.listNamespacedStatefulSet({ namespace }),
        net.listNamespacedNetworkPolicy({ namespace }),
    ]);
    save(
        "events.json",
        events.items.map((e) => ({
            at: e.lastTimestamp ?? e.eventTime,
            type: e.type,
            reason: e.reason,
            object: `${e.involvedObject.kind}/${e.involvedObject.name}`,
            message: e.message,
            count: e.count,
        })),
    );
    save(
        "pods.json",
        pods.items.map((p) => ({
            name: p.metadata?.name,
            node: p.spec?.nodeName,
            phase: p.status?.phase,
            podIP: p.status?.podIP,
            containers: p.status?.containerStatuses?.map((c) => ({
                name: c.name,
                image: c.image,
                imageID: c.imageID,
                ready: c.ready,
                restarts: c.restartCount,
                state: c.state,
            })),
        })),
    );
    save("workloads.json", {
        deployments: deployments.items.map((d) => ({ name: d.metadata?.name, spec: d.spec, status: d.status })),
        statefulSets: statefulSets.items.map((s) => ({ name: s.metadata?.name, spec: s.spec, status: s.status })),
    });
    save(
        "network-policies.json",
        policies.items.map((p) => ({ name: p.metadata?.name, spec: p.spec })),
    );
    for (const pod of pods.items) {
        for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
            const log = await core
                .readNamespacedPodLog({ name: pod.metadata!.name!, namespace, container: c.name, tailLines: options.logLines ?? 1000 })
                .then(String, (e: Error) => `(no log: ${e.message.split("\n")[0]})`);
            save(join("logs", `${pod.metadata!.name}.${c.name}.log`), log);
        }
    }
    if (options.history !== undefined) save("stack-history.json", options.history);

    const manifest: EvidenceManifest = {
        collectedAt: new Date().toISOString(),
        namespace,
        files: written.map((file) => {
            const content = readFileSync(join(outDir, file));
            return { file, bytes: content.length, sha256: createHash("sha256").update(content).digest("hex") };
        }),
    };
    writeFileSync(join(outDir, "MANIFEST.json"), JSON.stringify(manifest, null, 2));
    return manifest;
}
