import { describe, expect, it } from "vitest";
import { Alerts } from "../../../components/alerts";
import { ALERT_RULES } from "../../../components/alertRules";
import { GatewayCertificate } from "../../../components/certificates";
import { tlsSchema } from "../../../config/schema";
import { declareComponent } from "../../support/component";

const CERT_MANAGER = (kind: string) => `kubernetes:cert-manager.io/v1:${kind}`;
const MONITORING = (kind: string) => `kubernetes:monitoring.coreos.com/v1:${kind}`;

describe("GatewayCertificate", () => {
    it("issues from a self-signed Issuer by default, renewing before expiry with a fresh key", async () => {
        const config = tlsSchema.parse({ dnsNames: ["gateway.example.com"] });
        const d = await declareComponent(() => new GatewayCertificate("gateway-tls", { namespace: "ns", config }));
        expect(d.one(CERT_MANAGER("Issuer")).inputs.spec).toEqual({ selfSigned: {} });
        expect(d.one(CERT_MANAGER("Certificate")).inputs.spec).toMatchObject({
            secretName: "gateway-tls",
            dnsNames: ["gateway.example.com"],
            duration: config.duration,
            renewBefore: config.renewBefore,
            privateKey: { rotationPolicy: "Always" },
        });
    });

    it("uses ACME with the configured account and solver for production", async () => {
        const config = tlsSchema.parse({ issuer: "acme", dnsNames: ["mcp.example.com"], acme: { email: "ops@example.com" } });
        const d = await declareComponent(() => new GatewayCertificate("gateway-tls", { namespace: "ns", config }));
        expect(d.one(CERT_MANAGER("Issuer")).inputs.spec.acme).toMatchObject({
            email: "ops@example.com",
            solvers: [{ http01: { ingress: { ingressClassName: "nginx" } } }],
        });
    });
});

describe("Alerts", () => {
    it("declares every rule with its runbook link, and a ServiceMonitor only for services that serve metrics", async () => {
        const scrapeTargets = [{ name: "gateway", metricsPort: 9090 }, { name: "router" }];
        const d = await declareComponent(
            () => new Alerts("alerts", { namespace: "ns", runbookBaseUrl: "https://docs.example/runbook.md", scrapeTargets }),
        );
        const rules = d.one(MONITORING("PrometheusRule")).inputs.spec.groups.flatMap((g: { rules: unknown[] }) => g.rules);
        expect(rules.map((r: { alert: string }) => r.alert)).toEqual(ALERT_RULES.map((r) => r.alert));
        for (const rule of rules) expect(rule.annotations.runbook_url).toMatch(/^https:\/\/docs\.example\/runbook\.md#[a-z-]+$/);
        expect(d.one(MONITORING("ServiceMonitor")).inputs).toMatchObject({
            metadata: { name: "gateway" },
            spec: { endpoints: [{ port: "metrics", path: "/metrics" }] },
        });
    });
});
