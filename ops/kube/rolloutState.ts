/** Where a Deployment's rollout stands, read from its object (a live read, or the update's own outputs). */
export interface RolloutState {
    name: string;
    desired: number;
    updated: number;
    available: number;
    done: boolean;
    /** Why it is not done yet, from the Deployment's conditions when they say. */
    reason?: string;
}

/** The parts of a Deployment a rollout is judged by. */
export interface DeploymentObject {
    metadata?: { name?: string; generation?: number };
    spec?: { replicas?: number };
    status?: {
        observedGeneration?: number;
        replicas?: number;
        updatedReplicas?: number;
        availableReplicas?: number;
        unavailableReplicas?: number;
        conditions?: Array<{ type: string; status: string; message?: string }>;
    };
}

/**
 * Rolled out: the controller observed the latest spec, all desired replicas are updated and
 * available, none unavailable, and no pod of an older template remains.
 */
export function rolloutState(name: string, d: DeploymentObject): RolloutState {
    const desired = d.spec?.replicas ?? 1;
    const s = d.status ?? {};
    const observed = (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
    const done =
        observed &&
        (s.updatedReplicas ?? 0) >= desired &&
        (s.availableReplicas ?? 0) >= desired &&
        (s.unavailableReplicas ?? 0) === 0 &&
        (s.replicas ?? 0) === (s.updatedReplicas ?? 0);
    const progressing = s.conditions?.find((c) => c.type === "Progressing" && c.status === "False");
    return {
        name,
        desired,
        updated: s.updatedReplicas ?? 0,
        available: s.availableReplicas ?? 0,
        done,
        reason: progressing?.message,
    };
}
