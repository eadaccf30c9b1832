import { describe, expect, it } from "vitest";
import type * as pulumi from "@pulumi/pulumi";
import { PATCH_FORCE_ANNOTATION, takeFieldOwnership } from "../../platform/fieldOwnership";
import { deploy, stackConfig } from "../support/platform";

describe("field ownership", () => {
    it.each(["local", "staging", "production"])(
        "marks every Kubernetes object of the %s stack to be applied with force, and nothing else",
        async (stack) => {
            const { resources } = await deploy(stackConfig(stack));
            const kubernetes = resources.filter((r) => r.type.startsWith("kubernetes:"));
            expect(kubernetes.length).toBeGreaterThan(40);
            for (const r of kubernetes)
                expect(r.inputs.metadata?.annotations?.[PATCH_FORCE_ANNOTATION], `${r.type} ${r.name}`).toBe("true");
            for (const r of resources.filter((r) => !r.type.startsWith("kubernetes:")))
                expect(JSON.stringify(r.inputs)).not.toContain(PATCH_FORCE_ANNOTATION);
        },
    );

    it("keeps the annotations an object declares", async () => {
        const result = takeFieldOwnership({
            type: "kubernetes:core/v1:ConfigMap",
            name: "x",
            props: { metadata: { name: "x", annotations: { "team.example/owner": "sre" } } },
            opts: {},
            resource: undefined as never,
        });
        const annotations = await new Promise((resolve) => (result!.props.metadata.annotations as pulumi.Output<unknown>).apply(resolve));
        expect(annotations).toEqual({ "team.example/owner": "sre", [PATCH_FORCE_ANNOTATION]: "true" });
    });
});
