import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { PostgresExporter, sslModeOf } from "../../../components/postgresExporter";
import { POSTGRES_EXPORTER_PORT } from "../../../components/traffic";
import { postgresSchema } from "../../../config/schema";
import { declareComponent, noTraffic, secretRef } from "../../support/component";
import { K8S } from "../../support/platform";

const args = {
    namespace: "ns",
    image: "prometheuscommunity/postgres-exporter:v0.17.1",
    host: pulumi.output("postgres.ns.svc.cluster.local"),
    port: 5432,
    database: "mcp",
    user: "mcp",
    password: secretRef("postgres-password"),
    sslMode: "disable" as const,
    traffic: noTraffic,
};

describe("PostgresExporter", () => {
    it("connects with the password by reference only, and rolls when it is rotated", async () => {
        const d = await declareComponent(() => new PostgresExporter("postgres-exporter", args));
        const pod = d.one(K8S.deployment).inputs.spec.template;
        const container = pod.spec.containers[0];
        expect(container.env).toEqual([
            { name: "DATA_SOURCE_URI", value: "postgres.ns.svc.cluster.local:5432/mcp?sslmode=disable" },
            { name: "DATA_SOURCE_USER", value: "mcp" },
            { name: "DATA_SOURCE_PASS", valueFrom: { secretKeyRef: { name: "postgres-password", key: "value" } } },
        ]);
        expect(JSON.stringify(container.args)).not.toContain("password");
        expect(pod.metadata.annotations["mcp.platform/secrets-checksum"]).toBe("postgres-password-checksum");
        expect(pod.spec.automountServiceAccountToken).toBe(false);
        expect(d.one(K8S.serviceAccount).inputs.automountServiceAccountToken).toBe(false);
        expect(container.readinessProbe.httpGet).toEqual({ path: "/", port: "metrics" });
    });

    it("is scraped through its own Service and ServiceMonitor on its metrics port", async () => {
        const d = await declareComponent(() => new PostgresExporter("postgres-exporter", args));
        expect(d.one(K8S.deployment).inputs.spec.replicas).toBe(1);
        expect(d.one(K8S.service).inputs.spec.ports).toEqual([
            { name: "metrics", port: POSTGRES_EXPORTER_PORT, targetPort: "metrics", protocol: "TCP" },
        ]);
        expect(d.one("kubernetes:monitoring.coreos.com/v1:ServiceMonitor").inputs.spec.endpoints).toEqual([
            { port: "metrics", interval: "30s", path: "/metrics" },
        ]);
        expect(d.one(K8S.networkPolicy).inputs.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    });

    it("asks for TLS only from an external server that speaks it", () => {
        const external = (tls: boolean) =>
            postgresSchema.parse({ mode: "external", external: { host: "db.example.internal", port: 5432, tls } });
        expect([sslModeOf(postgresSchema.parse({})), sslModeOf(external(true)), sslModeOf(external(false))]).toEqual([
            "disable",
            "require",
            "disable",
        ]);
    });
});
