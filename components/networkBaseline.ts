import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PART_OF, TRUSTED_LABEL } from "./labels";

export interface NamespaceBaselineArgs {
    /** Namespace to create. */
    namespace: string;
    /** Emergency lockdown: while true only trusted sources reach any pod. Default false. */
    lockdown?: boolean;
    /** CIDRs that stay trusted during lockdown. Default none. */
    trustedCidrs?: string[];
}

/** Name of the lockdown policy; the runbooks and `mcp-ops lockdown` refer to it. */
export const LOCKDOWN_POLICY = "emergency-lockdown";

/**
 * The namespace and its network baseline: Pod Security Admission `restricted` enforced, all
 * ingress and egress denied unless a workload's own policy allows it, DNS allowed, and the
 * emergency lockdown policy when config switches it on. Per-workload policies drop their
 * ingress rules during lockdown (policies add up, so the lockdown policy alone could not
 * narrow them).
 */
export class NamespaceBaseline extends pulumi.ComponentResource {
    /** The namespace name, resolved once the Namespace exists, so dependents wait for it. */
    readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: NamespaceBaselineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp:network:NamespaceBaseline", name, {}, opts);
        const lockdown = args.lockdown ?? false;
        const trustedCidrs = args.trustedCidrs ?? [];

        const ns = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: {
                    name: args.namespace,
                    labels: {
                        "app.kubernetes.io/part-of": PART_OF,
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/enforce-version": "latest",
                        "pod-security.kubernetes.io/audit": "restricted",
                        "pod-security.kubernetes.io/warn": "restricted",
                    },
                },
            },
            { parent: this },
        );
        this.namespace = ns.metadata.name;
        const metadata = (policyName: string) => ({
            name: policyName,
            namespace: this.namespace,
            labels: { "app.kubernetes.io/part-of": PART_OF },
        });

        new k8s.networking.v1.NetworkPolicy(
            `${name}-default-deny`,
            { metadata: metadata("default-deny"), spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
            { parent: this },
        );

        new k8s.networking.v1.NetworkPolicy(
            `${name}-allow-dns`,
            {
                metadata: metadata("allow-dns-egress"),
                spec: {
                    podSelector: {},
                    policyTypes: ["Egress"],
                    egress: [
                        {
                            to: [
                                {
                                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                                    podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                                },
                            ],
                            ports: [
                                { protocol: "UDP", port: 53 },
                                { protocol: "TCP", port: 53 },
                            ],
                        },
                    ],
                },
            },
            { parent: this },
        );

        if (lockdown) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-lockdown`,
                {
                    metadata: metadata(LOCKDOWN_POLICY),
                    spec: {
                        podSelector: {},
                        policyTypes: ["Ingress"],
                        ingress: [
                            {
                                from: [
                                    { podSelector: { matchLabels: { [TRUSTED_LABEL]: "true" } } },
                                    ...trustedCidrs.map((cidr) => ({ ipBlock: { cidr } })),
                                ],
                            },
                        ],
                    },
                },
                { parent: this },
            );
        }

        this.registerOutputs({ namespace: this.namespace });
    }
}
