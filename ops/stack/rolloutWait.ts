import * as pulumi from "@pulumi/pulumi";
import type { PulumiFn } from "@pulumi/pulumi/automation";

/** The workload kinds whose create and update the kubernetes provider awaits until the rollout completes. */
const ROLLOUT_KINDS = new Set(["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"]);

/**
 * The program, with the provider's wait for each workload's rollout bounded by `seconds` (its own
 * default is 10 minutes): an ops change's rollout then fails within the change's --verify-timeout,
 * and the change can revert, instead of the update hanging on pods that never become ready.
 * A resource option, not a declared field: it changes no object and shows in no diff.
 */
export function withRolloutWait(seconds: number, program: PulumiFn): PulumiFn {
    const timeout = `${Math.max(1, Math.round(seconds))}s`;
    return async () => {
        pulumi.runtime.registerResourceTransform((args) =>
            ROLLOUT_KINDS.has(args.type)
                ? { props: args.props, opts: { ...args.opts, customTimeouts: { create: timeout, update: timeout } } }
                : undefined,
        );
        return program();
    };
}
