import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyChange, type ChangeFlags } from "../../ops/change/pipeline";
import { CommandContext } from "../../ops/commandLine/context";
import { parseAuditMessage } from "../../ops/change/audit";
import { planRollback } from "../../ops/commands/rollback";
import { rotate } from "../../ops/commands/rotate";
import { planScaleReplicas } from "../../ops/commands/scale";
import { rotationStatus } from "../../ops/plan/rotation";
import { writeStackConfigValues } from "../../ops/stack/stackFile";
import { stackEnvironment } from "../../ops/stack/environment";
import { LockConflictError } from "../../ops/stack/locks";
import { lockFiles } from "../support/engineLocks";
import { recoverStack } from "../../ops/stack/recover";
import { runCli } from "../support/cli";
import { opsProject } from "../support/opsProject";
import { REPO_ROOT } from "../support/platform";

// The real Pulumi CLI and engine with the file backend; the program validates the real stack
// config but declares no provider resources (see test/support/opsProject.ts).
describe("the ops lifecycle against the real Pulumi engine", () => {
    let project: Awaited<ReturnType<typeof opsProject>>;
    const flags: ChangeFlags = {
        stack: "local",
        reason: "load test",
        yes: true,
        preview: false,
        revert: true,
        wait: false,
        git: true,
        verifyTimeout: 5,
    };
    const stackFile = () => parse(readFileSync(join(project.dir, "Pulumi.local.yaml"), "utf8")).config;
    const ctx = () => new CommandContext(project.dir, () => project.open());

    beforeAll(async () => {
        delete process.env.KUBECONFIG;
        process.env.MCP_OPS_ACTOR = "test-actor";
        project = await opsProject();
        const stack = await project.open();
        await stack.up("initial deploy");
    }, 300_000);

    afterAll(() => {
        delete process.env.MCP_OPS_ACTOR;
        project?.remove();
    });

    it("applies a change as an audited update and writes it to the stack file, comments kept", async () => {
        const result = await applyChange(ctx(), flags, (current) => planScaleReplicas(current, "router", 3));
        expect(result).toMatchObject({ outcome: "applied", operation: "scale" });
        expect(stackFile()["mcp:services"].router.replicas).toBe(3);
        expect(readFileSync(join(project.dir, "Pulumi.local.yaml"), "utf8")).toContain("# The embedded default");
        const stack = await project.open();
        const [newest] = await stack.history(1);
        expect(newest.result).toBe("succeeded");
        expect(parseAuditMessage(newest.message)).toEqual({
            operation: "scale",
            summary: "scale router to 3 replicas",
            reason: "load test",
            actor: "test-actor",
        });
        const outputs = await stack.stack.outputs();
        expect((outputs.services.value as any).router.replicas).toBe(3);
    });

    it("changes nothing with --preview", async () => {
        const before = readFileSync(join(project.dir, "Pulumi.local.yaml"), "utf8");
        const stack = await project.open();
        const updates = (await stack.history()).length;
        const result = await applyChange(ctx(), { ...flags, preview: true }, (current) => planScaleReplicas(current, "router", 7));
        expect(result.outcome).toBe("previewed");
        expect(readFileSync(join(project.dir, "Pulumi.local.yaml"), "utf8")).toBe(before);
        expect((await stack.history()).length).toBe(updates);
    });

    it("rolls back to an earlier update's config from the history alone, as a new update", async () => {
        const stack = await project.open();
        const history = await stack.history();
        const initial = history.find((h) => h.message === "initial deploy")!;
        const result = await applyChange(ctx(), flags, async (current, h) => planRollback(current, await h(), { to: initial.version }));
        expect(result.outcome).toBe("applied");
        expect(stackFile()["mcp:services"].router.replicas).toBe(1);
        expect((await stack.history()).length).toBe(history.length + 1);
    });

    it("rotates in phases as three audited updates, resumes a rotation stopped between phases, and reports it mid-way", async () => {
        writeStackConfigValues("local", project.dir, { secrets: { "postgres-password": { retireAfterSeconds: 0 } } });
        const rotation = { ...flags, all: false, status: false };
        const added = await rotate(ctx(), ["postgres-password"], { ...rotation, phase: "add" });
        expect(added.map((r) => r.outcome)).toEqual(["applied"]);
        expect(stackFile()["mcp:secrets"]["postgres-password"]).toEqual({
            retireAfterSeconds: 0,
            rotationEpoch: 1,
            rotation: { phase: "added", from: 0 },
        });
        expect(rotationStatus(ctx().config("local"), new Date()).find((s) => s.secret === "postgres-password")).toMatchObject({
            phase: "added",
            next: "roll",
        });
        // Stopped after the add; the same command without --phase goes on from there.
        const resumed = await rotate(ctx(), ["postgres-password"], rotation);
        expect(resumed.map((r) => [r.outcome, r.summary.split(": ")[0]])).toEqual([
            ["applied", "rotate postgres-password (0 -> 1), roll"],
            ["applied", "rotate postgres-password (0 -> 1), retire"],
        ]);
        expect(stackFile()["mcp:secrets"]["postgres-password"]).toEqual({ retireAfterSeconds: 0, rotationEpoch: 1 });
        const messages = (await (await project.open()).history(3)).map((h) => parseAuditMessage(h.message)?.summary.split(": ")[0]);
        expect(messages).toEqual([
            "rotate postgres-password (0 -> 1), retire",
            "rotate postgres-password (0 -> 1), roll",
            "rotate postgres-password (0 -> 1), add",
        ]);
    });

    it("shows the audit log and the stack outputs through mcp-ops history and status", async () => {
        const env = { MCP_PROJECT_DIR: project.dir, MCP_PULUMI: project.pulumi, KUBECONFIG: "" };
        const history = await runCli(["history", "--stack", "local", "--json"], env);
        expect(history.code).toBe(0);
        const rows = JSON.parse(history.stdout);
        expect(rows.find((r: any) => r.operation === "scale")).toMatchObject({
            result: "succeeded",
            reason: "load test",
            actor: "test-actor",
            message: "scale router to 3 replicas",
            durationSeconds: expect.any(Number),
        });
        expect(rows.map((r: any) => r.version)).toEqual([...rows.map((r: any) => r.version)].sort((a: number, b: number) => b - a));
        const status = await runCli(["status", "--stack", "local", "--json", "--kubeconfig", "/nonexistent"], env);
        expect(status.code).toBe(69);
        expect(status.stderr).toContain("kubeconfig /nonexistent does not exist");
        const noCluster = await runCli(["status", "--stack", "local", "--json"], env);
        expect(JSON.parse(noCluster.stdout).outputs.services.router.replicas).toBe(1);
        const drift = await runCli(["drift", "--stack", "local"], env);
        expect(drift.code).toBe(0);
        expect(drift.stdout.trim()).toBe("no drift: the cluster matches the declared state");
    });

    it("loads the policy pack into a real pulumi preview, every policy evaluated", async () => {
        const stack = await project.open();
        const events = await stack.previewEvents([join(REPO_ROOT, "policy")]);
        const resourceSummaries = events.filter((e: any) => e.policyAnalyzeSummaryEvent).map((e: any) => e.policyAnalyzeSummaryEvent);
        const stackSummary = events.find((e: any) => e.policyAnalyzeStackSummaryEvent) as any;
        const { RESOURCE_POLICIES, STACK_POLICIES } = await import("../../policy/policies.js");
        expect(resourceSummaries.length).toBeGreaterThanOrEqual(5);
        for (const summary of resourceSummaries) {
            expect(summary.policyPackName).toBe("mcp-platform");
            expect([...summary.passed].sort()).toEqual(RESOURCE_POLICIES.map((p) => p.name).sort());
        }
        expect([...stackSummary.policyAnalyzeStackSummaryEvent.passed].sort()).toEqual(STACK_POLICIES.map((p) => p.name).sort());
    });

    it("numbers every update uniquely past the history's first page of ten", async () => {
        const stack = await project.open();
        const before = (await stack.history()).length;
        for (let i = before; i < 12; i++) await stack.up(`filler ${i}`);
        const history = await stack.history();
        expect(history.length).toBeGreaterThanOrEqual(12);
        expect(history.map((h) => h.version)).toEqual(Array.from({ length: history.length }, (_, i) => history.length - i));
        const version = await (await stack.up("one more")).version;
        expect(version).toBe(history.length + 1);
    });

    it("lets one of several parallel updates through and tells the others who holds the lock", async () => {
        // Each update holds the lock for at least 5 s, so all three overlap.
        const stacks = await Promise.all([1, 2, 3].map(() => project.open(5000)));
        const results = await Promise.allSettled(stacks.map((s, i) => s.up(`parallel ${i}`)));
        const ok = results.filter((r) => r.status === "fulfilled");
        const locked = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        expect(ok).toHaveLength(1);
        expect(locked).toHaveLength(2);
        for (const r of locked) {
            expect(r.reason).toBeInstanceOf(LockConflictError);
            expect(r.reason.message).toMatch(
                new RegExp(
                    String.raw`^stack local is being updated by someone else \(.+@.+, pid \d+, since .+\); wait for it, run again with ` +
                        "--wait, or if that update died, run mcp-ops recover --stack local$",
                ),
            );
            expect(r.reason.exitCode).toBe(73);
        }
        const [newest] = await stacks[0].history(1);
        expect(newest.result).toBe("succeeded");
        // The winner counted the history while it held the lock: its number is the one recorded.
        expect(await (ok[0] as PromiseFulfilledResult<Awaited<ReturnType<(typeof stacks)[0]["up"]>>>).value.version).toBe(newest.version);
    });

    it("recovers from an update killed mid-flight so the next one succeeds", async () => {
        const backend = stackEnvironment(project.dir, "local", {}).PULUMI_BACKEND_URL;
        const child = spawn(
            join(REPO_ROOT, "node_modules", ".bin", "tsx"),
            [join(REPO_ROOT, "test", "support", "slowUp.ts"), project.dir, project.pulumi],
            { stdio: "ignore" },
        );
        const deadline = Date.now() + 60_000;
        while (lockFiles(backend, "local").length === 0) {
            if (Date.now() > deadline) throw new Error("the slow update never took the lock");
            await new Promise((r) => setTimeout(r, 200));
        }
        // Kill the whole process tree: the Node process and the pulumi CLI it started.
        const lock = lockFiles(backend, "local")[0];
        process.kill(lock.pid, "SIGKILL");
        child.kill("SIGKILL");
        await new Promise((r) => setTimeout(r, 500));

        const stack = await project.open();
        await expect(stack.up("after the crash")).rejects.toBeInstanceOf(LockConflictError);
        const report = await recoverStack(stack);
        expect(report.locksRemoved).toHaveLength(1);
        expect(report.refreshed).toBe(true);
        const after = await stack.up("after recovery");
        expect(await after.version).toBeGreaterThan(0);
        expect(lockFiles(backend, "local")).toEqual([]);
    });
});
