import { describe, expect, it } from "vitest";
import { kubernetesObjectId, type PendingOperation, resolvePendingOperations, type StateResource } from "../../ops/stack/pendingCreates";

const STACK = "urn:pulumi:local::mcp-platform::pulumi:pulumi:Stack::mcp-platform-local";
const urn = (type: string, name: string) => `urn:pulumi:local::mcp-platform::${type}::${name}`;

function resource(type: string, name: string, metadata?: Record<string, string>): StateResource {
    const custom = !type.startsWith("mcp:");
    return {
        urn: urn(type, name),
        type,
        custom,
        parent: STACK,
        inputs: metadata ? { apiVersion: "v1", kind: "ConfigMap", metadata, data: { a: "1" } } : {},
    };
}

describe("the pending operations of a killed update", () => {
    it("adopts Kubernetes creates by the object's ID, clears everything else, and leaves none pending", () => {
        const existing = resource("kubernetes:core/v1:Namespace", "platform-namespace", { name: "mcp-system" });
        const pending: PendingOperation[] = [
            {
                type: "creating",
                resource: resource("kubernetes:core/v1:ConfigMap", "router-config", { name: "router-config", namespace: "mcp-system" }),
            },
            {
                type: "creating",
                resource: resource("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "reader", { name: "mcp-reader" }),
            },
            { type: "creating", resource: resource("mcp:service:McpService", "router") },
            { type: "creating", resource: resource("random:index/randomPassword:RandomPassword", "redis-password") },
            {
                type: "updating",
                resource: resource("kubernetes:core/v1:ConfigMap", "gateway-config", { name: "gateway-config", namespace: "mcp-system" }),
            },
            { type: "deleting", resource: resource("kubernetes:core/v1:Service", "old-service", { name: "old", namespace: "mcp-system" }) },
        ];
        const deployment = { resources: [existing], pending_operations: pending };

        const resolved = resolvePendingOperations(deployment);

        expect(resolved.adopted).toEqual([
            { type: "kubernetes:core/v1:ConfigMap", urn: pending[0].resource.urn, id: "mcp-system/router-config" },
            { type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", urn: pending[1].resource.urn, id: "mcp-reader" },
        ]);
        expect(resolved.cleared.map((c) => c.type)).toEqual([
            "mcp:service:McpService",
            "random:index/randomPassword:RandomPassword",
            "kubernetes:core/v1:ConfigMap",
            "kubernetes:core/v1:Service",
        ]);
        expect(deployment.pending_operations).toEqual([]);
        // Appended after what was already recorded, with the ID and the sent object as outputs for the refresh to start from.
        expect(deployment.resources.map((r) => r.urn)).toEqual([existing.urn, pending[0].resource.urn, pending[1].resource.urn]);
        expect(deployment.resources[1]).toMatchObject({ id: "mcp-system/router-config", custom: true, parent: STACK });
        expect(deployment.resources[1].outputs).toEqual(pending[0].resource.inputs);
    });

    it("clears a create whose object has no name to read it by", () => {
        expect(kubernetesObjectId({ metadata: { namespace: "mcp-system" } })).toBeUndefined();
        expect(kubernetesObjectId(undefined)).toBeUndefined();
        const deployment = {
            pending_operations: [{ type: "creating", resource: resource("kubernetes:core/v1:ConfigMap", "x", { namespace: "n" }) }],
        };
        expect(resolvePendingOperations(deployment)).toEqual({
            adopted: [],
            cleared: [{ type: "kubernetes:core/v1:ConfigMap", urn: urn("kubernetes:core/v1:ConfigMap", "x") }],
        });
        expect(deployment.pending_operations).toEqual([]);
    });
});
