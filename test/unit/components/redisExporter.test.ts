import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { RedisExporter, redisSchemeOf } from "../../../components/redisExporter";
import { REDIS_EXPORTER_PORT } from "../../../components/traffic";
import { redisSchema } from "../../../config/schema";
import { declareComponent, noTraffic, secretRef } from "../../support/component";
import { K8S } from "../../support/platform";

const args = {
    namespace: "ns",
    image: "oliver006/redis_exporter:v1.78.0",
    host: pulumi.output("redis.ns.svc.cluster.local"),
    port: 6379,
    password: secretRef("redis-password"),
    scheme: "redis" as const,
    traffic: noTraffic,
};

describe("RedisExporter", () => {
    it("connects with the password by reference only, and rolls when it is rotated", async () => {
        const d = await declareComponent(() => new RedisExporter("redis-exporter", args));
        const pod = d.one(K8S.deployment).inputs.spec.template;
        const container = pod.spec.containers[0];
        expect(container.env).toEqual([
            { name: "REDIS_ADDR", value: "redis://redis.ns.svc.cluster.local:6379" },
            { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis-password", key: "value" } } },
        ]);
        expect(JSON.stringify(container.args)).not.toContain("password");
        expect(pod.metadata.annotations["mcp.platform/secrets-checksum"]).toBe("redis-password-checksum");
        expect(pod.spec.automountServiceAccountToken).toBe(false);
        expect(d.one(K8S.serviceAccount).inputs.automountServiceAccountToken).toBe(false);
    });

    it("probes /health, which answers without asking Redis, and runs restricted within its limits", async () => {
        const d = await declareComponent(() => new RedisExporter("redis-exporter", args));
        const pod = d.one(K8S.deployment).inputs.spec.template;
        const container = pod.spec.containers[0];
        for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
            expect(probe.httpGet).toEqual({ path: "/health", port: "metrics" });
        }
        expect(container.securityContext).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
        });
        expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
        expect(container.resources).toEqual({ requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } });
        expect(pod.metadata.labels["mcp.platform/trusted"]).toBe("true");
    });

    it("is scraped through its own Service and ServiceMonitor on its metrics port", async () => {
        const d = await declareComponent(() => new RedisExporter("redis-exporter", args));
        expect(d.one(K8S.deployment).inputs.spec.replicas).toBe(1);
        expect(d.one(K8S.deployment).inputs.spec.template.spec.containers[0].args).toEqual([
            `--web.listen-address=:${REDIS_EXPORTER_PORT}`,
        ]);
        expect(d.one(K8S.service).inputs.spec.ports).toEqual([
            { name: "metrics", port: REDIS_EXPORTER_PORT, targetPort: "metrics", protocol: "TCP" },
        ]);
        expect(d.one("kubernetes:monitoring.coreos.com/v1:ServiceMonitor").inputs.spec.endpoints).toEqual([
            { port: "metrics", interval: "30s", path: "/metrics" },
        ]);
        expect(d.one(K8S.networkPolicy).inputs.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    });

    it("speaks TLS (rediss://) only to an external server that does", async () => {
        const external = (tls: boolean) =>
            redisSchema.parse({ mode: "external", external: { host: "cache.example.internal", port: 6380, tls } });
        expect([redisSchemeOf(redisSchema.parse({})), redisSchemeOf(external(true)), redisSchemeOf(external(false))]).toEqual([
            "redis",
            "rediss",
            "redis",
        ]);
        const d = await declareComponent(
            () => new RedisExporter("redis-exporter", { ...args, host: "cache.example.internal", port: 6380, scheme: "rediss" }),
        );
        expect(d.one(K8S.deployment).inputs.spec.template.spec.containers[0].env[0]).toEqual({
            name: "REDIS_ADDR",
            value: "rediss://cache.example.internal:6380",
        });
    });
});
