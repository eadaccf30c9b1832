import type { Status } from "../health/classify";
import { UnavailableError } from "../errors";
import { kubeConfigFrom, loadKubeClient } from "./client";

export interface WorkloadReadiness {
    kind: "Deployment" | "StatefulSet";
    name: string;
    desired: number;
    ready: number;
    updated: number;
    /** The controller has seen the latest spec. */
    observed: boolean;
    status: Status;
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
    try {
        const [deployments, statefulSets] = await Promise.all([apps.listNamespacedDeployment({ namespace }), apps.listNamespacedStatefulSet({ namespace })]);
        const rows: WorkloadReadiness[] = [
            ...deployments.items.map((d) =>
                row("Deployment", d.metadata?.name, d.spec?.replicas, d.status?.readyReplicas, d.status?.updatedReplicas, d.status?.observedGeneration, d.metadata?.generation),
            ),
            ...statefulSets.items.map((s) =>
                row("StatefulSet", s.metadata?.name, s.spec?.replicas, s.status?.readyReplicas, s.status?.updatedReplicas, s.status?.observedGeneration, s.metadata?.generation),
            ),
        ];
        return rows.sort((a, b) => a.name.localeCompare(b.name));
    } catch (error) {
        const e = error as { code?: number; message?: string };
        throw new UnavailableError(`cannot read workloads in namespace ${namespace} from the cluster in ${kubeconfig}: ${e.message ?? String(error)}`);
    }
}

function row(kind: WorkloadReadiness["kind"], name = "?", desired = 1, ready = 0, updated = 0, observedGeneration = 0, generation = 0): WorkloadReadiness {
    const observed = observedGeneration >= generation;
    const status: Status = desired === 0 || (ready >= desired && updated >= desired && observed) ? "HEALTHY" : ready > 0 ? "DEGRADED" : "UNHEALTHY";
    return { kind, name, desired, ready, updated, observed, status };
}
