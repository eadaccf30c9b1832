import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecoverReport } from "../../ops/stack/recover";
import { stackEnvironment } from "../../ops/stack/environment";
import { summarizeEvents } from "../../ops/review/summarize";
import { lockFiles } from "../support/engineLocks";
import { REPO_ROOT } from "../support/platform";
import { withExtraServers } from "./fleet";
import { type E2eProject, e2eProject, eventually, killTree, NAMESPACE } from "./support";

/**
 * What protects a large platform still does at 200 MCP servers, with the engine at the platform's
 * parallelism and ops changes running only their services' part of the program: a create killed
 * at any point is recovered and finished, a scoped change leaves nothing for a full preview to
 * do, and an update whose pods never become ready fails and is reverted.
 */
const FLEET = 200;

describe(`a platform of ${FLEET} extra MCP servers`, () => {
    let project: E2eProject;
    const stateFile = () => {
        const backend = stackEnvironment(project.dir, "local", {}).PULUMI_BACKEND_URL!;
        return join(new URL(backend).pathname, ".pulumi", "stacks", "mcp-platform", "local.json");
    };
    /** How many resources the stack's state records, and how many operations it has pending. */
    const recorded = () => {
        try {
            const latest = JSON.parse(readFileSync(stateFile(), "utf8")).checkpoint.latest ?? {};
            return { resources: latest.resources?.length ?? 0, pending: latest.pending_operations?.length ?? 0 };
        } catch {
            return { resources: 0, pending: 0 }; // not written yet, or caught mid-rename
        }
    };

    beforeAll(async () => {
        project = await e2eProject();
        const file = join(project.dir, "Pulumi.local.yaml");
        writeFileSync(file, withExtraServers(FLEET, readFileSync(file, "utf8")));
    });

    afterAll(async () => {
        await project?.close();
    });

    it("recovers a create killed at a quarter, half and three quarters of the way, and finishes it", { timeout: 30 * 60_000 }, async () => {
        const backend = stackEnvironment(project.dir, "local", {}).PULUMI_BACKEND_URL;
        // The whole stack's resources at this size (1,291 with the local stack's own), of which the kills take fractions.
        const total = 1291;
        const adopted: RecoverReport["pendingAdopted"] = [];
        for (const fraction of [0.25, 0.5, 0.75]) {
            const child = spawn(
                join(REPO_ROOT, "node_modules", ".bin", "tsx"),
                [join(REPO_ROOT, "test", "support", "platformUp.ts"), project.dir, project.pulumi, `e2e: create, killed at ${fraction}`],
                { stdio: "ignore", detached: true },
            );
            await eventually(
                `the create records ${fraction * 100}% of the stack with operations in flight`,
                async () => recorded(),
                (r) => r.resources >= fraction * total && r.pending > 0,
                600_000,
            );
            const [lock] = lockFiles(backend, "local");
            process.kill(-child.pid!, "SIGKILL");
            if (lock) killTree(lock.pid);
            await new Promise((r) => setTimeout(r, 500));

            const recover = await project.cli(["recover", "--yes", "--reason", `create killed at ${fraction}`, "--json"]);
            expect(recover.code, recover.stderr).toBe(0);
            const report = JSON.parse(recover.stdout) as RecoverReport;
            expect(report.refreshed).toBe(true);
            expect(recorded().pending).toBe(0);
            adopted.push(...report.pendingAdopted);
        }
        // Creates in flight when the engine died reached the cluster; recovering them by ID is what lets the create go on.
        expect(adopted.length).toBeGreaterThan(0);

        const stack = await project.stack();
        await stack.up("e2e: the create, finished after three kills");
        expect(recorded()).toEqual({ resources: total, pending: 0 });
        expect(summarizeEvents(await stack.previewEvents()).changes).toEqual([]);
        const deployments = await project.kube.apps.listNamespacedDeployment({ namespace: NAMESPACE });
        expect(deployments.items.filter((d) => d.metadata!.name!.startsWith("mcp-extra-"))).toHaveLength(FLEET);
    });

    it("scales a service with its part of the program only, and a full preview after it finds nothing to do", async () => {
        const run = await project.cli(["scale", "router", "2", "--yes", "--json"]);
        expect(run.code, run.stderr).toBe(0);
        const result = JSON.parse(run.stdout) as { outcome: string; scope?: { services?: string[] } };
        expect(result).toMatchObject({ outcome: "applied", scope: { services: ["router"] } });
        const stack = await project.stack();
        expect(summarizeEvents(await stack.previewEvents()).changes).toEqual([]);
        expect(recorded().resources).toBe(1292); // the router's PodDisruptionBudget, now that two must run
    });

    it("fails an update whose pods never become ready, and reverts it", async () => {
        const memoryLimit = async () =>
            (await project.kube.apps.readNamespacedDeployment({ name: "mcp-memory", namespace: NAMESPACE })).spec!.template.spec!
                .containers[0].resources!.limits!.memory;
        const before = await memoryLimit();
        const args = ["resources", "mcp-memory", "--memory", "8Mi", "--request-memory", "8Mi", "--yes", "--json", "--verify-timeout", "60"];
        const run = await project.cli(args);
        expect(JSON.parse(run.stdout).outcome, run.stderr).toBe("reverted");
        expect(run.stderr).toMatch(/verification failed/);
        expect(await memoryLimit()).toBe(before);
    });
});
