import { existsSync, readdirSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { opsProject } from "../support/opsProject";

const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

// The run's Pulumi home (test/pulumiHomeSetup.ts) against the user's: a real update through the
// Automation API writes its workspace file and logs to the first and nothing to the second.
describe("the Pulumi home of a test run", () => {
    it("takes the CLI's workspace files and logs, and shares the user's plugins", async () => {
        const user = process.env.MCP_TEST_USER_PULUMI_HOME;
        const run = process.env.PULUMI_HOME;
        expect(user, "the run's global setup set no Pulumi home").toBeTruthy();
        expect(run).not.toBe(user);
        const before = { workspaces: entries(join(user!, "workspaces")), logs: entries(join(user!, "logs")) };
        const runBefore = entries(join(run!, "logs")).length;

        const project = await opsProject();
        try {
            const stack = await project.open();
            await stack.up("a test update");
        } finally {
            project.remove();
        }

        expect(entries(join(user!, "workspaces")).filter((f) => !before.workspaces.includes(f))).toEqual([]);
        expect(entries(join(user!, "logs")).filter((f) => !before.logs.includes(f))).toEqual([]);
        expect(entries(join(run!, "workspaces")).length).toBeGreaterThan(0);
        expect(entries(join(run!, "logs")).length).toBeGreaterThan(runBefore);
        expect(realpathSync(join(run!, "plugins"))).toBe(realpathSync(join(user!, "plugins")));
    });
});
