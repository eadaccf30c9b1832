import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { TrafficRules } from "./traffic";

// Apart from traffic.ts: the rules are plain data the ops CLI reads too, and only declaring a policy needs the Kubernetes SDK.
/** A workload's own NetworkPolicy: exactly its traffic rules, for its pods (the namespace baseline denies the rest). */
export function workloadNetworkPolicy(
    name: string,
    metadata: k8s.types.input.meta.v1.ObjectMeta,
    selector: Record<string, string>,
    traffic: TrafficRules,
    parent: pulumi.Resource,
): k8s.networking.v1.NetworkPolicy {
    return new k8s.networking.v1.NetworkPolicy(
        `${name}-netpol`,
        {
            metadata,
            spec: {
                podSelector: { matchLabels: selector },
                policyTypes: ["Ingress", "Egress"],
                ingress: traffic.ingress,
                egress: traffic.egress,
            },
        },
        { parent },
    );
}
