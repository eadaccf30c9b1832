import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { recordResources, settle } from "../support/mocks";
import { deploy, REPO_ROOT, stackConfig } from "../support/platform";
import { recordUrns, type UrnRecord } from "../support/urns";

/**
 * A resource's URN is its identity in the stack: a changed type, name or parent makes the engine
 * delete the live object and create a new one (a Deployment's pods, a StatefulSet's volumes). The
 * URNs each stack has today are pinned in test/fixtures/urns/<stack>.txt.
 */
const pinnedFile = (stack: string) => join("test", "fixtures", "urns", `${stack}.txt`);
const pinned = (stack: string) =>
    readFileSync(join(REPO_ROOT, pinnedFile(stack)), "utf8")
        .split("\n")
        .filter(Boolean);

/** Pinned URNs no resource has any more, neither as its URN nor as an alias. */
function lostUrns(pins: string[], urns: UrnRecord[]): string[] {
    const kept = new Set(urns.flatMap((u) => [u.urn, ...u.aliases]));
    return pins.filter((urn) => !kept.has(urn));
}

describe("resource identity", () => {
    it.each(["local", "staging", "production"])("keeps every pinned URN of the %s stack, or an alias to it", async (stack) => {
        const { urns } = await deploy(stackConfig(stack));
        const lost = lostUrns(pinned(stack), urns);
        expect(
            lost,
            `these would be deleted and created anew; give the resource that replaces each an alias (opts.aliases: [{ name: "<old name>" ` +
                `}]), or, if the removal is meant, delete the line from ${pinnedFile(stack)}`,
        ).toEqual([]);
        const unpinned = urns.map((u) => u.urn).filter((urn) => !pinned(stack).includes(urn));
        expect(unpinned, `new resources: add these lines to ${pinnedFile(stack)}`).toEqual([]);
    });

    it("finds a rename, and accepts it once the renamed resource carries an alias (the check can fail)", async () => {
        const declare = async (name: string, opts: pulumi.ComponentResourceOptions) => {
            const registered = await recordResources("unit");
            const urns = recordUrns();
            const parent = new pulumi.ComponentResource("mcp:test:Thing", name, {}, opts);
            new pulumi.ComponentResource(
                "mcp:test:Part",
                `${name}-part`,
                {},
                { parent, aliases: opts.aliases ? [{ name: "before-part" }] : [] },
            );
            await settle(registered);
            return urns;
        };
        const before = (await declare("before", {})).map((u) => u.urn);
        expect(before).toEqual([
            "urn:pulumi:unit::mcp-platform::mcp:test:Thing::before",
            "urn:pulumi:unit::mcp-platform::mcp:test:Thing$mcp:test:Part::before-part",
        ]);
        expect(lostUrns(before, await declare("after", {}))).toEqual(before);
        expect(lostUrns(before, await declare("after", { aliases: [{ name: "before" }] }))).toEqual([]);
    });
});
