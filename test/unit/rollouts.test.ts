import { describe, expect, it } from "vitest";
import { ANNOTATIONS } from "../../components/labels";
import { changedResources, deploy, editedConfig, K8S, stackConfig } from "../support/platform";

const annotationsOf = (d: Awaited<ReturnType<typeof deploy>>, deployment: string) =>
    d.named(K8S.deployment, `${deployment}-deployment`).inputs.spec.template.metadata.annotations;

describe("secret rotation", () => {
    it("changes the secret and its consumers' checksum annotations, and nothing else", async () => {
        const before = await deploy(stackConfig("local"));
        const after = await deploy(editedConfig("local", (r) => (r.secrets = { "redis-password": { rotationEpoch: 1 } })));
        expect(changedResources(before, after)).toEqual([
            "kubernetes:apps/v1:Deployment::gateway-deployment",
            "kubernetes:apps/v1:Deployment::router-deployment",
            "kubernetes:apps/v1:StatefulSet::redis-statefulset",
            "kubernetes:batch/v1:CronJob::backups-redis",
            "kubernetes:core/v1:Secret::redis-password-secret",
            "random:index/randomPassword:RandomPassword::redis-password-value",
        ]);
        expect(annotationsOf(after, "gateway")[ANNOTATIONS.secretsChecksum]).not.toBe(
            annotationsOf(before, "gateway")[ANNOTATIONS.secretsChecksum],
        );
        expect(after.named("random:index/randomPassword:RandomPassword", "redis-password-value").inputs.keepers).toEqual({
            rotationEpoch: "1",
            length: "32",
        });
    });

    it("rotates a secret used through secretEnv by rolling only its consumer", async () => {
        const before = await deploy(stackConfig("local"));
        const after = await deploy(editedConfig("local", (r) => (r.secrets = { "gateway-jwt-signing-key": { rotationEpoch: 3 } })));
        expect(changedResources(before, after)).toEqual([
            "kubernetes:apps/v1:Deployment::gateway-deployment",
            "kubernetes:core/v1:Secret::gateway-jwt-signing-key-secret",
            "random:index/randomPassword:RandomPassword::gateway-jwt-signing-key-value",
        ]);
    });
});

describe("tuning and restarts", () => {
    it("rolls only the service whose ConfigMap changed", async () => {
        const before = await deploy(stackConfig("local"));
        const after = await deploy(editedConfig("local", (r) => (r.services.router.tuning = { connectionPoolSize: 150 })));
        expect(changedResources(before, after)).toEqual([
            "kubernetes:apps/v1:Deployment::router-deployment",
            "kubernetes:core/v1:ConfigMap::router-config",
        ]);
        expect(annotationsOf(after, "router")[ANNOTATIONS.configChecksum]).not.toBe(
            annotationsOf(before, "router")[ANNOTATIONS.configChecksum],
        );
    });

    it("writes the gateway's rate limit and circuit breaker into the gateway's ConfigMap only", async () => {
        const before = await deploy(stackConfig("local"));
        const after = await deploy(editedConfig("local", (r) => (r.security = { rateLimit: { rps: 10, burst: 20 } })));
        expect(changedResources(before, after)).toEqual([
            "kubernetes:apps/v1:Deployment::gateway-deployment",
            "kubernetes:core/v1:ConfigMap::gateway-config",
        ]);
        expect(after.named(K8S.configMap, "gateway-config").inputs.data).toMatchObject({
            rate_limit_rps: "10",
            rate_limit_burst: "20",
            circuit_breaker_enabled: "true",
        });
    });

    it("rolls a service's pods when its restart epoch is bumped, changing nothing else", async () => {
        const before = await deploy(stackConfig("local"));
        const after = await deploy(editedConfig("local", (r) => (r.services["mcp-memory"].restartEpoch = 1)));
        expect(changedResources(before, after)).toEqual(["kubernetes:apps/v1:Deployment::mcp-memory-deployment"]);
        expect(annotationsOf(after, "mcp-memory")[ANNOTATIONS.restartEpoch]).toBe("1");
    });
});
