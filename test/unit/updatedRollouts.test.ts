import { describe, expect, it } from "vitest";
import { rolloutState } from "../../ops/kube/rolloutState";
import type { EngineEvent } from "../../ops/review/summarize";
import { rolloutsAsUpdated } from "../../ops/stack/updatedRollouts";

const deployment = (name: string, status: Record<string, unknown>, replicas = 3, generation = 4) => ({
    metadata: { name, generation },
    spec: { replicas },
    status,
});
const rolledOut = { observedGeneration: 4, replicas: 3, updatedReplicas: 3, availableReplicas: 3 };
const outputs = (op: string, live: unknown, type = "kubernetes:apps/v1:Deployment"): EngineEvent => ({
    resOutputsEvent: { metadata: { op, urn: `urn:pulumi:local::mcp-platform::${type}::x`, type, new: { outputs: live as any } } },
});

describe("a Deployment's rollout", () => {
    it("is done only when the latest spec is observed and every desired replica is updated and available", () => {
        expect(rolloutState("router", deployment("router", rolledOut)).done).toBe(true);
        expect(rolloutState("router", deployment("router", { ...rolledOut, observedGeneration: 3 })).done).toBe(false);
        expect(rolloutState("router", deployment("router", { ...rolledOut, availableReplicas: 2 })).done).toBe(false);
        // A pod of the older template still runs beside the three new ones.
        expect(rolloutState("router", deployment("router", { ...rolledOut, replicas: 4 })).done).toBe(false);
        expect(rolloutState("router", deployment("router", { ...rolledOut, unavailableReplicas: 1 })).done).toBe(false);
        const stuck = {
            ...rolledOut,
            availableReplicas: 1,
            conditions: [{ type: "Progressing", status: "False", message: "deadline exceeded" }],
        };
        expect(rolloutState("router", deployment("router", stuck))).toMatchObject({
            done: false,
            available: 1,
            reason: "deadline exceeded",
        });
    });
});

describe("the rollouts an update reports in its own events", () => {
    it("takes the Deployments it created or changed, as the provider read them last", () => {
        const states = rolloutsAsUpdated([
            outputs("update", deployment("router", rolledOut)),
            outputs("create", deployment("gateway", { ...rolledOut, availableReplicas: 1 })),
            outputs("create-replacement", deployment("mcp-memory", rolledOut)),
        ]);
        expect(states.map((s) => [s.name, s.done])).toEqual([
            ["router", true],
            ["gateway", false],
            ["mcp-memory", true],
        ]);
    });

    it("ignores steps that did not run (their outputs are the previous state's) and other kinds of resources", () => {
        expect(
            rolloutsAsUpdated([
                outputs("same", deployment("router", rolledOut)),
                outputs("update", deployment("redis", rolledOut), "kubernetes:apps/v1:StatefulSet"),
                outputs("delete", deployment("old", rolledOut)),
                { resourcePreEvent: { metadata: { op: "update", urn: "u", type: "kubernetes:apps/v1:Deployment" } } },
            ]),
        ).toEqual([]);
    });
});
