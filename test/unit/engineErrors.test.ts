import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { explainRedisError } from "../../ops/redis/connect";
import { engineError, engineErrorLines } from "../../ops/stack/engineErrors";

// The tail of a real failed `pulumi up` (Pulumi 3.259.0, kubernetes provider 4.32.0).
const failedUp = readFileSync(join(__dirname, "..", "fixtures", "failed-up.txt"), "utf8");

describe("engine failures", () => {
    it("keep the resource and its error from the engine's diagnostics, not the progress output", () => {
        expect(engineErrorLines(failedUp)).toEqual([
            "kubernetes:apps/v1:Deployment (router-deployment):",
            'the Kubernetes API server reported that "mcp-system/router" failed to fully initialize or become live: server-side apply ' +
                "field conflict detected",
            'The resource managed by field manager "pulumi-kubernetes-8089db66" had an apply conflict: Apply failed with 1 conflict: ' +
                'conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas',
        ]);
    });

    it("name an unreachable cluster and how to start the local one", () => {
        const error = engineError(new Error("error: configured Kubernetes cluster is unreachable: unable to load schema information"), {
            stack: "local",
        });
        expect(error.message).toBe(
            "the Kubernetes cluster of stack local is unreachable (no kubeconfig: KUBECONFIG is not set); start the local cluster with: " +
                "npm run local:up",
        );
        expect((error as { exitCode?: number }).exitCode).toBe(69);
    });

    it("name a missing provider plugin and how to install it", () => {
        const error = engineError(
            new Error("error: no resource plugin 'pulumi-resource-kubernetes' found in the workspace at version v4.32.0"),
            { stack: "local" },
        );
        expect(error.message).toBe(
            "the kubernetes provider plugin is not installed; install it with: pulumi plugin install resource kubernetes <version> (npm " +
                "run local:up installs the pinned ones)",
        );
    });
});

describe("an unreachable in-cluster Redis", () => {
    it("names the exact port-forward, with its namespace, and the --url to use", () => {
        const error = explainRedisError(
            new Error("getaddrinfo ENOTFOUND redis.mcp-staging.svc.cluster.local"),
            "redis.mcp-staging.svc.cluster.local:6379",
        );
        expect(error.message).toBe(
            "Redis at redis.mcp-staging.svc.cluster.local:6379 is unreachable (getaddrinfo ENOTFOUND " +
                "redis.mcp-staging.svc.cluster.local); " +
                "that is an in-cluster address; reach it with kubectl -n mcp-staging port-forward svc/redis 6379:6379, then --url " +
                "redis://127.0.0.1:6379",
        );
    });
});
