import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { driftReport, propertyPath, renderDrift } from "../../ops/review/drift";
import { reviewMarkdown } from "../../ops/review/markdown";
import { type EngineEvent, parseEventLog, summarizeEvents } from "../../ops/review/summarize";
import { REPO_ROOT } from "../support/platform";

const urn = (type: string, name: string) => `urn:pulumi:production::mcp-platform::mcp:service:McpService$${type}::${name}`;
const step = (op: string, type: string, name: string, detailedDiff: Record<string, string> = {}): EngineEvent => ({
    resourcePreEvent: {
        metadata: {
            op,
            urn: urn(type, name),
            type,
            diffs: Object.keys(detailedDiff),
            detailedDiff: Object.fromEntries(Object.entries(detailedDiff).map(([k, kind]) => [k, { diffKind: kind }])),
        },
    },
});

/** Engine events in the shape `pulumi preview --event-log` writes them. */
const EVENTS: EngineEvent[] = [
    step("same", "kubernetes:core/v1:Service", "router-service"),
    step("update", "kubernetes:apps/v1:Deployment", "gateway-deployment", {
        "spec.template.metadata.annotations.mcp.platform/secrets-checksum": "update",
    }),
    step("update", "kubernetes:core/v1:Secret", "redis-password-secret", { stringData: "update" }),
    step("create-replacement", "kubernetes:apps/v1:StatefulSet", "postgres-statefulset", {
        "spec.volumeClaimTemplates[0].spec.resources": "update-replace",
    }),
    step("replace", "kubernetes:apps/v1:StatefulSet", "postgres-statefulset", {
        "spec.volumeClaimTemplates[0].spec.resources": "update-replace",
    }),
    step("delete-replaced", "kubernetes:apps/v1:StatefulSet", "postgres-statefulset"),
    step("create", "kubernetes:networking.k8s.io/v1:NetworkPolicy", "platform-lockdown"),
    {
        policyEvent: {
            resourceUrn: urn("kubernetes:apps/v1:Deployment", "gateway-deployment"),
            message: "gateway-deployment: consider strategy.rollingUpdate.maxUnavailable: 0\n",
            policyName: "surge-only-rollouts",
            policyPackName: "mcp-platform",
            enforcementLevel: "advisory",
        },
    },
    { summaryEvent: { resourceChanges: { same: 40, update: 2, replace: 1, create: 1 } } },
];

describe("preview review", () => {
    it("lists each changed resource once with the fields that change, risky ones first", () => {
        const summary = summarizeEvents(EVENTS);
        expect(summary.changes.map((c) => [c.op, c.name, c.highRisk])).toEqual([
            ["replace", "postgres-statefulset", true],
            ["update", "gateway-deployment", false],
            ["update", "redis-password-secret", false],
            ["create", "platform-lockdown", false],
        ]);
        expect(summary.highRisk[0]).toMatchObject({ replacedBecause: ["spec.volumeClaimTemplates[0].spec.resources"] });
        expect(summary.changes[1].fields).toEqual(["spec.template.metadata.annotations.mcp.platform/secrets-checksum"]);
        expect(summary.counts).toEqual({ same: 40, update: 2, replace: 1, create: 1 });
        expect(summary.policy.advisory).toEqual([
            {
                policy: "mcp-platform/surge-only-rollouts",
                resource: "gateway-deployment",
                message: "gateway-deployment: consider strategy.rollingUpdate.maxUnavailable: 0",
            },
        ]);
    });

    it("puts high-risk changes at the top of the comment and never prints values", () => {
        const markdown = reviewMarkdown("production", summarizeEvents(EVENTS));
        const lines = markdown.split("\n");
        expect(lines[0]).toBe("## Preview of `production`");
        expect(lines[2]).toBe("> **High risk: 1 stateful resource(s) replaced or deleted.** Approval required.");
        expect(markdown).toContain("**Changes:** 2 to update, 1 to replace, 1 to create (40 unchanged)");
        expect(markdown).toContain("| update | `kubernetes:core/v1:Secret` | `redis-password-secret` | `stringData` |");
        expect(markdown).toContain("**Advisory policy findings:**");
    });

    it("treats deleting a volume claim as high risk and a plain update as not", () => {
        const summary = summarizeEvents([
            step("delete", "kubernetes:core/v1:PersistentVolumeClaim", "backups-volume"),
            step("update", "kubernetes:core/v1:ConfigMap", "router-config", { data: "update" }),
        ]);
        expect(summary.highRisk.map((c) => c.name)).toEqual(["backups-volume"]);
    });

    it("reports mandatory violations separately and says when nothing changes", () => {
        const violation: EngineEvent = {
            policyEvent: { message: "x", policyName: "pinned-images", policyPackName: "mcp-platform", enforcementLevel: "mandatory" },
        };
        expect(summarizeEvents([violation]).policy.mandatory).toHaveLength(1);
        expect(reviewMarkdown("staging", summarizeEvents([]))).toContain("**No changes.**");
    });

    it("parses a JSON-lines event log", () => {
        expect(parseEventLog(`${EVENTS.map((e) => JSON.stringify(e)).join("\n")}\n`)).toEqual(EVENTS);
    });
});

describe("workflow files", () => {
    const workflow = (name: string) => parse(readFileSync(join(REPO_ROOT, ".github", "workflows", name), "utf8"));

    it("preview pull requests for staging and production with the policy pack and post the review", () => {
        const w = workflow("preview.yml");
        expect(Object.keys(w.on)).toEqual(["pull_request"]);
        expect(w.jobs.preview.strategy.matrix.stack).toEqual(["staging", "production"]);
        const runs = w.jobs.preview.steps.map((s: any) => s.run ?? s.uses);
        const preview = w.jobs.preview.steps.find((s: any) => /pulumi preview .*--policy-pack policy .*--event-log/.test(s.run ?? ""));
        expect(preview.env.PULUMI_DEBUG_COMMANDS).toBe("true");
        expect(runs.some((r: string) => /mcp-ops review .*--events/.test(r))).toBe(true);
        expect(w.permissions["pull-requests"]).toBe("write");
    });

    it("deploy staging on merge and production only behind its protected environment, after staging", () => {
        const w = workflow("deploy.yml");
        expect(w.on.push.branches).toEqual(["main"]);
        expect(w.jobs.staging.environment).toBe("staging");
        expect(w.jobs.production.environment).toBe("production");
        expect(w.jobs.production.needs).toBe("staging");
        expect(w.concurrency["cancel-in-progress"]).toBe(false);
        for (const job of ["staging", "production"]) {
            expect(w.jobs[job].steps.some((s: any) => /pulumi up --stack \w+ --yes --policy-pack policy/.test(s.run ?? ""))).toBe(true);
        }
    });

    it("publish mcp-ops on a version tag: built by npm run images, pushed by its default reference, digest checked, SBOM attested", () => {
        const w = workflow("images.yml");
        expect(w.on.push.tags).toEqual(["v*"]);
        expect(w.permissions.packages).toBe("write");
        const steps = w.jobs["mcp-ops"].steps;
        const script = steps.map((s: any) => s.run ?? "").join("\n");
        expect(script).toContain("images/cli.ts --ref mcp-ops");
        expect(script).toMatch(/npm run images -- mcp-ops/);
        expect(script).toMatch(/crane" push "\$layout" "\$IMAGE_REF"/);
        expect(script).toMatch(/if \[ "\$pushed" != "\$built" \]/);
        const attest = steps.find((s: any) => s.uses?.startsWith("actions/attest-sbom"));
        expect(attest.with["sbom-path"]).toBe(".local/images/mcp-ops.spdx.json");
        expect(attest.with["push-to-registry"]).toBe(true);
    });

    it("check for drift on a schedule and open or update an issue", () => {
        const w = workflow("drift.yml");
        expect(w.on.schedule[0].cron).toMatch(/^(\S+\s+){4}\S+$/);
        const script = w.jobs.drift.steps.map((s: any) => s.run ?? "").join("\n");
        expect(script).toContain("--refresh --expect-no-changes");
        expect(script).toMatch(/gh issue comment/);
        expect(script).toMatch(/gh issue create/);
        expect(w.permissions.issues).toBe("write");
    });
});

describe("drift report", () => {
    // Recorded from a real refresh preview (kubernetes provider 4.32.0, Pulumi 3.259.0) of the local
    // stack after: kubectl scale deploy/router --replicas=5, removing the mcp-filesystem policy's
    // spec.ingress, relabelling the gateway Service and deleting the router ConfigMap.
    const events = parseEventLog(readFileSync(join(__dirname, "..", "fixtures", "refresh-drift.events.jsonl"), "utf8"));

    it("reports each out-of-band change field by field, declared against live, from the engine's own events", () => {
        const report = driftReport(events);
        const byName = Object.fromEntries(report.map((r) => [r.name, r]));
        expect(Object.keys(byName).sort()).toEqual(["gateway-service", "mcp-filesystem-netpol", "router-config", "router-deployment"]);
        expect(byName["router-deployment"]).toEqual({
            type: "kubernetes:apps/v1:Deployment",
            name: "router-deployment",
            kind: "changed",
            fields: [{ field: "spec.replicas", declared: 1, live: 5 }],
        });
        expect(byName["gateway-service"].fields).toEqual([
            { field: 'metadata.labels["app.kubernetes.io/component"]', declared: "gateway", live: "edited" },
        ]);
        expect(byName["mcp-filesystem-netpol"].fields).toEqual([{ field: "spec.ingress", declared: expect.any(Array), live: undefined }]);
        expect(byName["router-config"]).toEqual({
            type: "kubernetes:core/v1:ConfigMap",
            name: "router-config",
            kind: "deleted",
            fields: [],
        });
    });

    it("renders one line per field and one per deleted object", () => {
        const text = renderDrift(driftReport(events));
        expect(text).toContain("kubernetes:apps/v1:Deployment router-deployment:\n  spec.replicas: declared 1, live 5");
        expect(text).toContain("kubernetes:core/v1:ConfigMap router-config: deleted out of band");
        expect(renderDrift([])).toBe("no drift: the cluster matches the declared state");
    });

    it("splits property paths with quoted keys and indexes", () => {
        expect(propertyPath('spec.template.metadata.labels["app.kubernetes.io/name"]')).toEqual([
            "spec",
            "template",
            "metadata",
            "labels",
            "app.kubernetes.io/name",
        ]);
        expect(propertyPath("spec.ports[0].port")).toEqual(["spec", "ports", 0, "port"]);
    });
});
