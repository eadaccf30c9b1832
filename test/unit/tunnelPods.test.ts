import { describe, expect, it } from "vitest";
import { servingPods } from "../../ops/kube/tunnel";

const pod = (name: string, o: { ready?: boolean; phase?: string; deleting?: boolean } = {}) => ({
    name,
    metadata: o.deleting ? { deletionTimestamp: new Date("2026-12-06T06:45:00Z") } : {},
    status: { phase: o.phase ?? "Running", conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }] },
});

describe("the pod a tunnel leads to", () => {
    it("is running, ready and not shutting down: an old pod of a rollout still reports Ready while it stops", () => {
        const pods = [pod("old", { deleting: true }), pod("starting", { ready: false }), pod("done", { phase: "Succeeded" }), pod("new")];
        expect(servingPods(pods).map((p) => p.name)).toEqual(["new"]);
        expect(servingPods([pod("old", { deleting: true })])).toEqual([]);
    });
});
