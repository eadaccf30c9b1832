/**
 * Object names as the API server validates them, by kind (apimachinery's validation): a Service
 * name is a DNS-1035 label (it becomes a DNS name, so it starts with a letter); a namespace is a
 * DNS-1123 label (a leading digit is fine). Both are at most 63 characters.
 */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX_LABEL_LENGTH = 63;

export function isDns1123Label(name: string): boolean {
    return name.length <= MAX_LABEL_LENGTH && DNS1123_LABEL.test(name);
}

export function isDns1035Label(name: string): boolean {
    return name.length <= MAX_LABEL_LENGTH && DNS1035_LABEL.test(name);
}

/**
 * Why the platform must not be declared into a namespace the API server would accept: the
 * cluster's own namespaces hold its components (and `kube-` is the prefix Kubernetes keeps for
 * them), and the platform puts a default-deny NetworkPolicy and the `restricted` Pod Security label
 * on its namespace, which would cut off or evict whatever else runs there.
 */
export function reservedNamespaceReason(name: string): string | undefined {
    const cutOff = "its default-deny NetworkPolicies and Pod Security restricted label would cut off";
    if (name.startsWith("kube-")) return `it belongs to the cluster itself (the kube- prefix): ${cutOff} the cluster's own components`;
    if (name === "default") return `it is the cluster's shared default namespace: ${cutOff} everything else deployed there`;
    return undefined;
}
