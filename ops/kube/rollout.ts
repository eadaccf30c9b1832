import { kubeConfigFrom, loadKubeClient } from "./client";
import { type RolloutState, rolloutState } from "./rolloutState";

export type { RolloutState };

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
            deployments.map(async (name) => rolloutState(name, await apps.readNamespacedDeployment({ name, namespace }))),
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
