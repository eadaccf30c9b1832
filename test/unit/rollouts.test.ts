import { describe, expect, it } from "vitest";
import { ANNOTATIONS } from "../../components/labels";
import { changedResources, deploy, editedConfig, K8S, stackConfig } from "../support/platform";

const annotationsOf = (d: Awaited<ReturnType<typeof deploy>>, deployment: string) =>
    d.named(K8S.deployment, `${deployment}-deployment`).inputs.spec.template.metadata.annotations;

describe("secret rotation in phases", () => {
    const rotation = (secret: string, state: object) => (r: any) => (r.secrets = { [secret]: state });
    const added = { rotationEpoch: 1, rotation: { phase: "added", from: 0 } };
    const rolled = { rotationEpoch: 1, rotation: { phase: "rolled", from: 0 } };

    it("adds a Redis password beside the current one without restarting anything; its Job applies it to the live store", async () => {
        const before = await deploy(stackConfig("local"));
        const after = await deploy(editedConfig("local", rotation("redis-password", added)));
        expect(changedResources(before, after)).toEqual([
            "kubernetes:batch/v1:Job::redis-credentials",
            "kubernetes:core/v1:Secret::redis-password-secret",
            "random:index/randomPassword:RandomPassword::redis-password-value-g1",
        ]);
        expect(after.named("kubernetes:batch/v1:Job", "redis-credentials").inputs.spec.template.spec.containers[0].command).toEqual(
            expect.arrayContaining(["--in-use", "0", "--also", "1"]),
        );
    });

    it("rolls the password's consumers, never the store, when they move to the new value", async () => {
        const before = await deploy(editedConfig("local", rotation("redis-password", added)));
        const after = await deploy(editedConfig("local", rotation("redis-password", rolled)));
        expect(changedResources(before, after)).toEqual([
            "kubernetes:apps/v1:Deployment::gateway-deployment",
            "kubernetes:apps/v1:Deployment::redis-exporter-deployment",
            "kubernetes:apps/v1:Deployment::router-deployment",
            "kubernetes:batch/v1:CronJob::backups-redis",
            "kubernetes:batch/v1:Job::redis-credentials",
            "kubernetes:core/v1:Secret::redis-password-secret",
        ]);
        for (const consumer of ["gateway", "redis-exporter"]) {
            expect(annotationsOf(after, consumer)[ANNOTATIONS.secretsChecksum], consumer).not.toBe(
                annotationsOf(before, consumer)[ANNOTATIONS.secretsChecksum],
            );
        }
    });

    it("retires the previous value: its generation leaves the program, nothing restarts", async () => {
        const before = await deploy(editedConfig("local", rotation("redis-password", rolled)));
        const after = await deploy(editedConfig("local", rotation("redis-password", { rotationEpoch: 1 })));
        expect(changedResources(before, after)).toEqual([
            "kubernetes:batch/v1:Job::redis-credentials",
            "kubernetes:core/v1:Secret::redis-password-secret",
            "random:index/randomPassword:RandomPassword::redis-password-value-g0",
        ]);
        expect(after.resources.map((r) => r.name)).not.toContain("redis-password-value-g0");
    });

    it("moves PostgreSQL's consumers to the other login role at the roll", async () => {
        const databaseUser = (d: Awaited<ReturnType<typeof deploy>>) =>
            d
                .named(K8S.deployment, "mcp-memory-deployment")
                .inputs.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === "DATABASE_USER").value;
        const idle = await deploy(stackConfig("local"));
        const addedPg = await deploy(editedConfig("local", rotation("postgres-password", added)));
        const rolledPg = await deploy(editedConfig("local", rotation("postgres-password", rolled)));
        expect([databaseUser(idle), databaseUser(addedPg), databaseUser(rolledPg)]).toEqual(["mcp_a", "mcp_a", "mcp_b"]);
    });

    it("rolls the readers of a key set at each phase: they verify with every accepted key", async () => {
        const before = await deploy(stackConfig("local"));
        const after = await deploy(editedConfig("local", rotation("gateway-jwt-signing-key", added)));
        expect(changedResources(before, after)).toEqual([
            "kubernetes:apps/v1:Deployment::gateway-deployment",
            "kubernetes:core/v1:Secret::gateway-jwt-signing-key-secret",
            "random:index/randomPassword:RandomPassword::gateway-jwt-signing-key-value-g1",
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
