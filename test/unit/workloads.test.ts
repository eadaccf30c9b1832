import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { isPinnedImage } from "../../config/images";
import { deploy, editedConfig, K8S, podTemplates, stackConfig } from "../support/platform";

const STACKS = ["local", "staging", "production"] as const;

describe.each(STACKS)("workloads of the %s stack", (stack) => {
    it("run every container under Pod Security restricted", async () => {
        const d = await deploy(stackConfig(stack));
        const templates = podTemplates(d);
        expect(templates.length).toBeGreaterThanOrEqual(8);
        for (const { workload, spec } of templates) {
            expect(spec.securityContext, workload).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
            expect(spec.automountServiceAccountToken, workload).toBe(false);
            expect(spec.hostNetwork ?? false, workload).toBe(false);
            expect(spec.hostPID ?? false, workload).toBe(false);
            for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
                expect(c.securityContext, `${workload}/${c.name}`).toMatchObject({
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    capabilities: { drop: ["ALL"] },
                });
            }
            expect(
                (spec.volumes ?? []).filter((v: any) => v.hostPath),
                workload,
            ).toEqual([]);
        }
    });

    it("gives every container requests, limits and a pinned image", async () => {
        const d = await deploy(stackConfig(stack));
        for (const { workload, spec } of podTemplates(d)) {
            for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
                expect(c.resources?.requests, `${workload}/${c.name}`).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
                expect(c.resources?.limits, `${workload}/${c.name}`).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
                expect(isPinnedImage(c.image), `${workload}/${c.name}: ${c.image}`).toBe(true);
            }
        }
    });

    it("probes every long-running container for startup, readiness and liveness", async () => {
        const d = await deploy(stackConfig(stack));
        const longRunning = [...d.ofType(K8S.deployment), ...d.ofType(K8S.statefulSet)];
        expect(longRunning.length).toBeGreaterThanOrEqual(6);
        for (const r of longRunning) {
            for (const c of r.inputs.spec.template.spec.containers) {
                expect(c.startupProbe, r.name).toBeDefined();
                expect(c.readinessProbe, r.name).toBeDefined();
                expect(c.livenessProbe, r.name).toBeDefined();
            }
        }
    });

    it("leaves replicas to the HPA wherever there is one, with min <= max", async () => {
        const d = await deploy(stackConfig(stack));
        const hpas = d.ofType(K8S.hpa);
        for (const hpa of hpas) {
            const target = hpa.inputs.spec.scaleTargetRef.name;
            const deployment = d.ofType(K8S.deployment).find((r) => r.inputs.metadata.name === target)!;
            expect(deployment.inputs.spec.replicas, target).toBeUndefined();
            expect(hpa.inputs.spec.minReplicas).toBeLessThanOrEqual(hpa.inputs.spec.maxReplicas);
            expect(hpa.inputs.spec.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThan(0);
        }
        const withHpa = new Set(hpas.map((h) => h.inputs.spec.scaleTargetRef.name));
        for (const deployment of d.ofType(K8S.deployment).filter((r) => !withHpa.has(r.inputs.metadata.name))) {
            expect(deployment.inputs.spec.replicas, deployment.name).toEqual(expect.any(Number));
        }
    });

    it("declares a PodDisruptionBudget exactly where more than one replica must run", async () => {
        const d = await deploy(stackConfig(stack));
        const minimumReplicas = (name: string) => {
            const hpa = d.ofType(K8S.hpa).find((h) => h.inputs.spec.scaleTargetRef.name === name);
            return hpa
                ? hpa.inputs.spec.minReplicas
                : d.ofType(K8S.deployment).find((r) => r.inputs.metadata.name === name)!.inputs.spec.replicas;
        };
        const expected = d
            .ofType(K8S.deployment)
            .map((r) => r.inputs.metadata.name)
            .filter((name) => minimumReplicas(name) > 1)
            .sort();
        const actual = d
            .ofType(K8S.pdb)
            .map((p) => p.inputs.metadata.name)
            .sort();
        expect(actual).toEqual(expected);
    });

    it("rolls out by surge only, so capacity never drops during an update", async () => {
        const d = await deploy(stackConfig(stack));
        for (const r of d.ofType(K8S.deployment)) {
            expect(r.inputs.spec.strategy, r.name).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
        }
    });
});

describe("services", () => {
    it("runs each service under its own token-less ServiceAccount", async () => {
        const d = await deploy(stackConfig("local"));
        for (const r of d.ofType(K8S.deployment)) {
            const accountName = r.inputs.spec.template.spec.serviceAccountName;
            const account = d.ofType(K8S.serviceAccount).find((a) => a.inputs.metadata.name === accountName)!;
            expect(account.inputs.automountServiceAccountToken).toBe(false);
        }
    });

    it("mounts the gateway certificate into the gateway only", async () => {
        const d = await deploy(stackConfig("local"));
        const tlsVolumes = d
            .ofType(K8S.deployment)
            .filter((r) => r.inputs.spec.template.spec.volumes.some((v: any) => v.secret?.secretName === "gateway-tls"));
        expect(tlsVolumes.map((r) => r.name)).toEqual(["gateway-deployment"]);
    });

    it("scales writers to zero in maintenance mode and restores the HPA after", async () => {
        const during = await deploy(editedConfig("staging", (r) => (r.maintenance = true)));
        const replicas = (name: string) => during.named(K8S.deployment, `${name}-deployment`).inputs.spec.replicas;
        // gateway, router and mcp-memory call a store; mcp-filesystem does not.
        expect([replicas("gateway"), replicas("router"), replicas("mcp-memory"), replicas("mcp-filesystem")]).toEqual([0, 0, 0, 2]);
        expect(during.ofType(K8S.hpa)).toEqual([]);

        const after = await deploy(stackConfig("staging"));
        expect(after.named(K8S.deployment, "gateway-deployment").inputs.spec.replicas).toBeUndefined();
        expect(
            after
                .ofType(K8S.hpa)
                .map((h) => h.name)
                .sort(),
        ).toEqual(["gateway-hpa", "router-hpa"]);
    });

    it("gives the stores persistent volumes and passes their password by reference only", async () => {
        const d = await deploy(stackConfig("local"));
        for (const name of ["redis-statefulset", "postgres-statefulset"]) {
            const sts = d.named(K8S.statefulSet, name);
            expect(sts.inputs.spec.volumeClaimTemplates[0].spec).toMatchObject({
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: "1Gi" } },
            });
            const env = sts.inputs.spec.template.spec.containers[0].env;
            const passwordVars = env.filter((e: any) => /PASSWORD|AUTH/.test(e.name));
            expect(passwordVars.length).toBeGreaterThan(0);
            for (const v of passwordVars) expect(v.valueFrom.secretKeyRef.name).toMatch(/-password$/);
        }
    });

    it("declares no store workload for an external store", async () => {
        const config = editedConfig(
            "staging",
            (r) => (r.redis = { mode: "external", external: { host: "redis.example.internal", port: 6380 } }),
        );
        const d = await deploy(config, { redisPassword: pulumi.output("external-password") });
        expect(d.ofType(K8S.statefulSet).map((r) => r.name)).toEqual(["postgres-statefulset"]);
        const gatewayEnv = d.named(K8S.deployment, "gateway-deployment").inputs.spec.template.spec.containers[0].env;
        expect(gatewayEnv).toEqual(
            expect.arrayContaining([
                { name: "REDIS_HOST", value: "redis.example.internal" },
                { name: "REDIS_PORT", value: "6380" },
            ]),
        );
        expect(d.ofType("mcp:secrets:ExternalSecret").map((r) => r.name)).toEqual(["redis-password"]);
    });
});
