import { type DeploymentObject, type RolloutState, rolloutState } from "../kube/rolloutState";
import type { EngineEvent } from "../review/summarize";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
/** Steps whose outputs the provider read in this update; a "same" step's outputs are the old state's. */
const APPLIED_OPS = new Set(["create", "update", "replace", "create-replacement"]);

/**
 * The Deployments an update created or changed, as the provider read them last: it waits for a
 * Deployment's rollout before it reports the step, so these show whether the rollout completed
 * without another request to the cluster.
 */
export function rolloutsAsUpdated(events: EngineEvent[]): RolloutState[] {
    return events.flatMap((e) => {
        const step = e.resOutputsEvent?.metadata;
        if (!step || step.type !== DEPLOYMENT || !APPLIED_OPS.has(step.op)) return [];
        const live = step.new?.outputs as DeploymentObject | undefined;
        const name = live?.metadata?.name;
        return name ? [rolloutState(name, live)] : [];
    });
}
