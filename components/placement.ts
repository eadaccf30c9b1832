import type * as k8s from "@pulumi/kubernetes";
import type { Placement } from "../config/placement";

/**
 * Where a workload's pods may run: its nodeSelector and tolerations as the pod spec takes them,
 * nothing when the config names none (the scheduler's choice, as before).
 */
export function podPlacement(placement: Placement | undefined): Pick<k8s.types.input.core.v1.PodSpec, "nodeSelector" | "tolerations"> {
    if (!placement) return {};
    return {
        ...(Object.keys(placement.nodeSelector).length ? { nodeSelector: placement.nodeSelector } : {}),
        ...(placement.tolerations.length ? { tolerations: placement.tolerations } : {}),
    };
}
