import { describe, expect, it } from "vitest";
import { LOCKDOWN_POLICY, NamespaceBaseline } from "../../../components/networkBaseline";
import { declareComponent } from "../../support/component";
import { K8S } from "../../support/platform";

describe("NamespaceBaseline", () => {
    it("enforces Pod Security restricted and denies all traffic but DNS", async () => {
        const d = await declareComponent(() => new NamespaceBaseline("platform", { namespace: "ns" }));
        expect(d.one(K8S.namespace).inputs.metadata.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted" });
        const policies = d.ofType(K8S.networkPolicy).map((p) => p.inputs);
        expect(policies.map((p) => p.metadata.name)).toEqual(["default-deny", "allow-dns-egress"]);
        expect(policies[0].spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        expect(policies[1].spec.egress[0].ports).toEqual([
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
        ]);
    });

    it("adds the lockdown policy only while locked down, admitting trusted pods and CIDRs", async () => {
        const d = await declareComponent(
            () => new NamespaceBaseline("platform", { namespace: "ns", lockdown: true, trustedCidrs: ["10.1.0.0/16"] }),
        );
        const lockdown = d.ofType(K8S.networkPolicy).find((p) => p.inputs.metadata.name === LOCKDOWN_POLICY);
        expect(lockdown?.inputs.spec.ingress[0].from).toEqual([
            { podSelector: { matchLabels: { "mcp.platform/trusted": "true" } } },
            { ipBlock: { cidr: "10.1.0.0/16" } },
        ]);
    });
});
