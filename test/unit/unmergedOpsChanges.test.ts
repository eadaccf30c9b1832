import { describe, expect, it } from "vitest";
import { auditMessage } from "../../ops/change/audit";
import { describeUnmerged, unmergedMarkdown, unmergedOpsSettings } from "../../ops/change/unmergedOpsChanges";
import type { HistoryEntry } from "../../ops/stack/history";

/** A history entry as the Automation API gives it: `mcp:` values as JSON text, secrets flagged. */
function update(version: number, message: string, raw: Record<string, unknown>, secrets: Record<string, string> = {}): HistoryEntry {
    const config: NonNullable<HistoryEntry["config"]> = {};
    for (const [key, value] of Object.entries(raw)) config[`mcp:${key}`] = { value: JSON.stringify(value), secret: false };
    for (const [key, value] of Object.entries(secrets)) config[`mcp:${key}`] = { value, secret: true };
    config["kubernetes:enableConfigMapMutable"] = { value: "true", secret: false };
    return { version, result: "succeeded", message, startTime: `2026-11-30T10:0${version}:00.000Z`, kind: "update", config };
}

const ops = (operation: string, summary: string) => auditMessage({ operation, reason: "incident 42", actor: "alice" }, summary);

const base = { environment: "production", services: { router: { replicas: 3 }, gateway: { replicas: 2 } }, maintenance: false };

describe("values an ops change set live that the commit being deployed lacks", () => {
    it("finds a changed value, naming the update, both values and the branch to merge", () => {
        const history = [
            update(2, ops("scale", "scale router to 10 replicas"), { ...base, services: { ...base.services, router: { replicas: 10 } } }),
            update(1, "deploy 1a2b3c", base),
        ];
        const found = unmergedOpsSettings("production", base, history);
        expect(found).toEqual([
            {
                path: "services.router.replicas",
                live: 10,
                commit: 3,
                update: { version: 2, operation: "scale", actor: "alice", reason: "incident 42", startTime: "2026-11-30T10:02:00.000Z" },
                branch: "mcp-ops/production/update-2-scale",
            },
        ]);
        expect(describeUnmerged("production", found)).toBe(
            [
                "deploy-check: this commit would undo 1 value(s) that mcp-ops changes set on stack production:",
                "  update 2 (mcp-ops scale by alice at 2026-11-30T10:02:00.000Z, reason: incident 42):",
                "    services.router.replicas: live 10, this commit 3",
                "    merge branch mcp-ops/production/update-2-scale (or put these values in the commit)",
                "to deploy this commit anyway, rerun with --override '<why>' (recorded in the deploy's output)",
            ].join("\n"),
        );
        expect(unmergedMarkdown("production", found)).toContain(
            "| `services.router.replicas` | `10` | `3` | update 2: mcp-ops scale by alice",
        );
    });

    it("finds added and removed keys, and says the commit does not set them", () => {
        const live = { ...base, maintenance: true, rateLimit: { requestsPerSecond: 50 } };
        const commit = { ...base, environment: "production", services: base.services };
        delete (commit as Record<string, unknown>).maintenance;
        const history = [update(3, ops("rate-limit", "rate limit 50"), live), update(1, "deploy", base)];
        const found = unmergedOpsSettings("production", commit, history);
        expect(found.map((f) => [f.path, f.live, f.commit])).toEqual([
            ["maintenance", true, undefined],
            ["rateLimit.requestsPerSecond", 50, undefined],
        ]);
        expect(describeUnmerged("production", found)).toContain("maintenance: live true, this commit (not set)");
    });

    it("finds a key an ops change removed that the commit still sets", () => {
        const withHpa = { ...base, services: { ...base.services, router: { minReplicas: 2, maxReplicas: 6 } } };
        const history = [
            update(2, ops("scale", "scale router to 4 (fixed)"), { ...base, services: { ...base.services, router: { replicas: 4 } } }),
        ];
        history.push(update(1, "deploy", withHpa));
        const found = unmergedOpsSettings("production", withHpa, history);
        expect(found.map((f) => [f.path, f.live, f.commit])).toEqual([
            ["services.router.maxReplicas", undefined, 6],
            ["services.router.minReplicas", undefined, 2],
            ["services.router.replicas", 4, undefined],
        ]);
    });

    it("reports nothing once the ops branch is merged, or when the difference is the commit's own", () => {
        const scaled = { ...base, services: { ...base.services, router: { replicas: 10 } } };
        const history = [update(2, ops("scale", "scale router to 10 replicas"), scaled), update(1, "deploy", base)];
        expect(unmergedOpsSettings("production", scaled, history)).toEqual([]);
        // A deploy set the live value: a commit that changes it is an ordinary change.
        const deployed = [update(3, "deploy 9f9f9f", scaled), ...history];
        expect(unmergedOpsSettings("production", base, deployed)).toEqual([]);
    });

    it("looks past refreshes and failed updates to the update that set the live value", () => {
        const scaled = { ...base, services: { ...base.services, router: { replicas: 10 } } };
        const history: HistoryEntry[] = [
            { ...update(4, "refresh", scaled), kind: "refresh" },
            { ...update(3, "deploy that failed", base), result: "failed" },
            update(2, ops("scale", "scale router to 10 replicas"), scaled),
            update(1, "deploy", base),
        ];
        expect(unmergedOpsSettings("production", base, history).map((f) => f.update.version)).toEqual([2]);
    });

    it("never shows a secret value, even one an ops change set", () => {
        const history = [
            update(2, ops("rotate", "rotate the api key"), base, { externalRedisPassword: "v1:c2VjcmV0LW5ldw==" }),
            update(1, "deploy", base, { externalRedisPassword: "v1:c2VjcmV0LW9sZA==" }),
        ];
        const commit = { ...base, externalRedisPassword: { secure: "v1:c2VjcmV0LW9sZA==" } };
        const found = unmergedOpsSettings("production", commit, history);
        expect(found).toEqual([]);
        expect(JSON.stringify(found) + describeUnmerged("production", found)).not.toMatch(/c2VjcmV0/);
    });

    it("has nothing to compare on a stack never updated", () => {
        expect(unmergedOpsSettings("staging", base, [])).toEqual([]);
    });
});
