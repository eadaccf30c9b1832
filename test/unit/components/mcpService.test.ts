import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ANNOTATIONS } from "../../../components/labels";
import { McpService, type McpServiceArgs } from "../../../components/mcpService";
import { declareComponent, noTraffic, secretRef } from "../../support/component";
import { K8S } from "../../support/platform";

const args: McpServiceArgs = {
    namespace: "ns",
    role: "mcp-server",
    image: "example/server:1.0.0",
    port: 3000,
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    tuning: { connection_pool_size: "10" },
    traffic: noTraffic,
};

describe("McpService", () => {
    it("declares one replica by default: no HPA, no disruption budget", async () => {
        const d = await declareComponent(() => new McpService("memory", args));
        expect(d.one(K8S.deployment).inputs.spec.replicas).toBe(1);
        expect(d.ofType(K8S.hpa)).toEqual([]);
        expect(d.ofType(K8S.pdb)).toEqual([]);
        expect(d.one(K8S.configMap).inputs).toMatchObject({ metadata: { name: "memory-config" }, data: { connection_pool_size: "10" } });
        expect(d.one(K8S.serviceAccount).inputs.automountServiceAccountToken).toBe(false);
    });

    it("leaves replicas to the HPA when autoscaled, with a disruption budget above one replica", async () => {
        const autoscaling = { minReplicas: 2, maxReplicas: 5, targetCpuUtilization: 70, scaleDownStabilizationSeconds: 300 };
        const d = await declareComponent(() => new McpService("memory", { ...args, replicas: 4, autoscaling }));
        expect(d.one(K8S.deployment).inputs.spec.replicas).toBeUndefined();
        expect(d.one(K8S.hpa).inputs.spec).toMatchObject({
            minReplicas: 2,
            maxReplicas: 5,
            behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
        });
        expect(d.one(K8S.pdb).inputs.spec).toMatchObject({
            maxUnavailable: 1,
            selector: { matchLabels: { "app.kubernetes.io/name": "memory" } },
        });
    });

    it("passes secrets by reference, and rolls its pods when a secret's key set changes", async () => {
        const template = async (keySetChecksum: string) => {
            const ref = { ...secretRef("api-token"), keySetChecksum: pulumi.output(keySetChecksum) };
            const d = await declareComponent(() => new McpService("memory", { ...args, secretEnv: { API_TOKEN: ref }, restartEpoch: 3 }));
            return d.one(K8S.deployment).inputs.spec.template;
        };
        const [before, after] = [await template("epoch-0"), await template("epoch-1")];
        expect(before.spec.containers[0].env).toEqual([
            { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "api-token", key: "value" } } },
            { name: "API_TOKEN_ID", value: "api-token-0" },
            { name: "API_TOKEN_SET", valueFrom: { secretKeyRef: { name: "api-token", key: "keyset" } } },
        ]);
        expect(before.metadata.annotations[ANNOTATIONS.restartEpoch]).toBe("3");
        expect(before.metadata.annotations[ANNOTATIONS.secretsChecksum]).not.toBe(after.metadata.annotations[ANNOTATIONS.secretsChecksum]);
        expect(before.metadata.annotations[ANNOTATIONS.configChecksum]).toBe(after.metadata.annotations[ANNOTATIONS.configChecksum]);
    });

    it("serves metrics on a port of its own and probes the health path", async () => {
        const d = await declareComponent(() => new McpService("memory", { ...args, metricsPort: 9090, healthPath: "/healthz" }));
        const container = d.one(K8S.deployment).inputs.spec.template.spec.containers[0];
        expect(container.ports.map((p: { name: string }) => p.name)).toEqual(["http", "metrics"]);
        expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
        expect(d.one(K8S.service).inputs.spec.ports.map((p: { port: number }) => p.port)).toEqual([3000, 9090]);
    });
});
