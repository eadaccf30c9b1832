import type { Status } from "./status";
import { UnavailableError } from "../errors";
import { kubeConfigFrom, loadKubeClient, type V1LabelSelector, type V1Pod } from "../kube/client";
import { isSimulatedNode, isSimulatedPod } from "../kube/simulated";

export interface WorkloadReadiness {
    kind: "Deployment" | "StatefulSet";
    name: string;
    desired: number;
    ready: number;
    updated: number;
    /** The controller has seen the latest spec. */
    observed: boolean;
    status: Status;
    /** Its pods run on simulated nodes: Ready is reported, but no container runs. */
    simulated: boolean;
}

/**
 * Readiness of every Deployment and StatefulSet in the namespace, from the API server:
 * HEALTHY when all desired replicas are ready and up to date, DEGRADED when some are,
 * UNHEALTHY when none are (and some are desired).
 */
export async function workloadReadiness(kubeconfig: string, namespace: string): Promise<WorkloadReadiness[]> {
    const client = await loadKubeClient();
    const kc = await kubeConfigFrom(kubeconfig);
    const apps = kc.makeApiClient(client.AppsV1Api);
    const core = kc.makeApiClient(client.CoreV1Api);
    try {
        const [deployments, statefulSets, pods, simulatedNodes] = await Promise.all([
            apps.listNamespacedDeployment({ namespace }),
            apps.listNamespacedStatefulSet({ namespace }),
            core.listNamespacedPod({ namespace }),
            // Reading nodes needs a cluster-wide permission a namespaced operator may lack: then nothing is marked.
            core.listNode().then(
                (nodes) => new Set(nodes.items.filter(isSimulatedNode).map((n) => n.metadata!.name!)),
                () => new Set<string>(),
            ),
        ]);
        const simulated = (selector: V1LabelSelector | undefined) => {
            const own = pods.items.filter((pod) => selects(selector, pod));
            return own.length > 0 && own.every((pod) => isSimulatedPod(pod, simulatedNodes));
        };
        const rows: WorkloadReadiness[] = [
            ...deployments.items.map((d) =>
                row(
                    "Deployment",
                    d.metadata?.name,
                    d.spec?.replicas,
                    d.status?.readyReplicas,
                    d.status?.updatedReplicas,
                    d.status?.observedGeneration,
                    d.metadata?.generation,
                    simulated(d.spec?.selector),
                ),
            ),
            ...statefulSets.items.map((s) =>
                row(
                    "StatefulSet",
                    s.metadata?.name,
                    s.spec?.replicas,
                    s.status?.readyReplicas,
                    s.status?.updatedReplicas,
                    s.status?.observedGeneration,
                    s.metadata?.generation,
                    simulated(s.spec?.selector),
                ),
            ),
        ];
        return rows.sort((a, b) => a.name.localeCompare(b.name));
    } catch (error) {
        const e = error as { code?: number; message?: string };
        throw new UnavailableError(
            `cannot read workloads in namespace ${namespace} from the cluster in ${kubeconfig}: ${e.message ?? String(error)}`,
        );
    }
}

/** Whether a workload's selector (matchLabels) selects a pod. */
function selects(selector: V1LabelSelector | undefined, pod: V1Pod): boolean {
    const wanted = Object.entries(selector?.matchLabels ?? {});
    return wanted.length > 0 && wanted.every(([k, v]) => pod.metadata?.labels?.[k] === v);
}

function row(
    kind: WorkloadReadiness["kind"],
    name = "?",
    desired = 1,
    ready = 0,
    updated = 0,
    observedGeneration = 0,
    generation = 0,
    simulated = false,
): WorkloadReadiness {
    const observed = observedGeneration >= generation;
    const status: Status =
        desired === 0 || (ready >= desired && updated >= desired && observed) ? "HEALTHY" : ready > 0 ? "DEGRADED" : "UNHEALTHY";
    return { kind, name, desired, ready, updated, observed, status, simulated };
}
