/** Labels and annotations every component agrees on. */

export const PART_OF = "mcp-platform";

/** Pods carrying this label stay reachable during an emergency lockdown. */
export const TRUSTED_LABEL = "mcp.platform/trusted";

export const ANNOTATIONS = {
    /** Checksum of the pod's ConfigMap data: a tuning change rolls the pods. */
    configChecksum: "mcp.platform/config-checksum",
    /** Checksum of the rotation state of every secret the pod reads: a rotation rolls the pods. */
    secretsChecksum: "mcp.platform/secrets-checksum",
    /** Written by `mcp-ops restart`: a bump rolls the pods and changes nothing else. */
    restartEpoch: "mcp.platform/restart-epoch",
} as const;

/** Labels that select a workload's pods. They never change, because selectors are immutable. */
export function selectorLabels(name: string): Record<string, string> {
    return { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": PART_OF };
}

/** Full labels for a workload and its pods. */
export function workloadLabels(name: string, role: string): Record<string, string> {
    return { ...selectorLabels(name), "app.kubernetes.io/component": role, "app.kubernetes.io/managed-by": "pulumi" };
}
