import { kubeConfigFrom, loadKubeClient } from "./client";

export interface RolloutState {
    name: string;
    desired: number;
    updated: number;
    available: number;
    done: boolean;
    /** Why it is not done yet, from the Deployment's conditions when they say. */
    reason?: string;
}

export interface VerifyOutcome {
    ok: boolean;
    rollouts: RolloutState[];
    waitedMs: number;
}

/**
 * Waits until every named Deployment has rolled out: the controller observed the latest spec,
 * all desired replicas are updated and available, none unavailable. Returns the state at the
 * deadline instead of throwing, so the caller can decide to revert.
 */
export async function verifyRollouts(
    kubeconfig: string,
    namespace: string,
    deployments: string[],
    options: { deadlineMs?: number; pollMs?: number; onProgress?: (s: RolloutState[]) => void } = {},
): Promise<VerifyOutcome> {
    const client = await loadKubeClient();
    const apps = (await kubeConfigFrom(kubeconfig)).makeApiClient(client.AppsV1Api);
    const started = Date.now();
    const deadline = started + (options.deadlineMs ?? 300_000);
    for (;;) {
        const states = await Promise.all(
            deployments.map(async (name): Promise<RolloutState> => {
                const d = await apps.readNamespacedDeployment({ name, namespace });
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
            }),
        );
        options.onProgress?.(states);
        if (states.every((s) => s.done)) return { ok: true, rollouts: states, waitedMs: Date.now() - started };
        if (Date.now() > deadline) return { ok: false, rollouts: states, waitedMs: Date.now() - started };
        await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
    }
}

export function describeStuck(outcome: VerifyOutcome): string {
    return outcome.rollouts
        .filter((r) => !r.done)
        .map((r) => `${r.name}: ${r.available}/${r.desired} available, ${r.updated} updated${r.reason ? ` (${r.reason})` : ""}`)
        .join("; ");
}
