import type { UpdateSummary } from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";
import { numberFromListing } from "../../ops/stack/history";

/** A file backend's history entry: every update is version 0 there. */
const entry = (message: string, second: number) =>
    ({ version: 0, message, startTime: new Date(second * 1000) }) as unknown as UpdateSummary;

describe("the number of an update on a backend that does not number them", () => {
    const older = [entry("deploy", 1), entry("mcp-ops scale: router 2", 2)].reverse();

    it("is the next one when the history was read before the update was recorded (the lock keeps others out)", () => {
        expect(numberFromListing(older, { message: "mcp-ops scale: router 3", startTime: new Date(3000) })).toBe(3);
    });

    it("is its place when the history was read after it was recorded, whatever was recorded after it", () => {
        const listing = [entry("foreign deploy", 5), entry("mcp-ops scale: router 3", 3), ...older];
        expect(numberFromListing(listing, { message: "mcp-ops scale: router 3", startTime: new Date(3000) })).toBe(3);
        // Same message, other start: not this update.
        expect(numberFromListing(listing, { message: "mcp-ops scale: router 3", startTime: new Date(4000) })).toBe(5);
    });
});
