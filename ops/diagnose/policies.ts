import type { V1LabelSelector, V1NetworkPolicy } from "../kube/client";
import { describeSelector, selects } from "./selectors";

/** One ingress or egress rule: the peers it names and the ports it opens. */
export interface PolicyRule {
    peers: string[];
    ports: string[];
}

export interface SelectingPolicy {
    name: string;
    /** Rules allowing traffic in; an empty list with `restrictsIngress` denies every connection in. */
    ingress: PolicyRule[];
    egress: PolicyRule[];
    restrictsIngress: boolean;
    restrictsEgress: boolean;
}

/** Who may open a connection to the service's pods, once every policy that selects them is combined. */
export type IngressVerdict =
    | { kind: "anyone"; why: string }
    | { kind: "nobody"; policies: string[] }
    | { kind: "rules"; rules: Array<PolicyRule & { policy: string }> };

type Peer = NonNullable<NonNullable<V1NetworkPolicy["spec"]>["ingress"]>[number]["_from"];
type Ports = NonNullable<NonNullable<V1NetworkPolicy["spec"]>["ingress"]>[number]["ports"];

/**
 * The NetworkPolicies of the namespace that select the pods (by the pods' labels), each with its
 * rules as a person reads them; a pod peer is followed by how many pods of the namespace it
 * matches now, so a rule that names a label nothing carries stands out.
 */
export function selectingPolicies(
    policies: V1NetworkPolicy[],
    podLabels: Record<string, string>,
    namespacePods: Array<Record<string, string>>,
): SelectingPolicy[] {
    const podsMatching = (selector: V1LabelSelector) => namespacePods.filter((labels) => selects(selector, labels)).length;
    const peers = (from: Peer): string[] =>
        from && from.length > 0
            ? from.map((p) => {
                  if (p.ipBlock)
                      return `addresses ${p.ipBlock.cidr}${p.ipBlock.except?.length ? ` except ${p.ipBlock.except.join(",")}` : ""}`;
                  const pods = p.podSelector ? `pods ${describeSelector(p.podSelector)}` : "any pod";
                  if (p.namespaceSelector) return `${pods} in namespaces ${describeSelector(p.namespaceSelector)}`;
                  return `${pods} (${podsMatching(p.podSelector ?? {})} here now)`;
              })
            : ["anyone"];
    const ports = (list: Ports): string[] =>
        list && list.length > 0
            ? list.map((p) => `${p.port ?? "any"}${p.endPort ? `-${p.endPort}` : ""}/${p.protocol ?? "TCP"}`)
            : ["every port"];
    return policies
        .filter((p) => selects(p.spec?.podSelector ?? {}, podLabels))
        .map((p) => {
            const types = p.spec?.policyTypes ?? (p.spec?.egress ? ["Ingress", "Egress"] : ["Ingress"]);
            return {
                name: p.metadata?.name ?? "?",
                restrictsIngress: types.includes("Ingress"),
                restrictsEgress: types.includes("Egress"),
                ingress: (p.spec?.ingress ?? []).map((r) => ({ peers: peers(r._from), ports: ports(r.ports) })),
                egress: (p.spec?.egress ?? []).map((r) => ({ peers: peers(r.to), ports: ports(r.ports) })),
            };
        });
}

/** NetworkPolicies add up: a connection is allowed when any selecting policy's rule allows it. */
export function ingressVerdict(selecting: SelectingPolicy[]): IngressVerdict {
    const restricting = selecting.filter((p) => p.restrictsIngress);
    if (restricting.length === 0) return { kind: "anyone", why: "no NetworkPolicy restricts connections to these pods" };
    const rules = restricting.flatMap((p) => p.ingress.map((r) => ({ ...r, policy: p.name })));
    return rules.length === 0 ? { kind: "nobody", policies: restricting.map((p) => p.name) } : { kind: "rules", rules };
}
