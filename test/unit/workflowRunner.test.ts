import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadWorkflow, runJob } from "../support/workflowRunner";

const dir = mkdtempSync(join(tmpdir(), "mcp-runner-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function workflow(yaml: string) {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.yml`);
    writeFileSync(path, yaml);
    return loadWorkflow(path);
}

const runnerEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: dir };

describe("the workflow runner the end-to-end suite runs the project's workflows with", () => {
    it("runs steps in order with the workflow's, the job's and the step's environment, outputs, conditions and secrets", async () => {
        const w = workflow(`
name: t
env: {LEVEL: workflow, TOKEN: "\${{ secrets.TOKEN }}"}
jobs:
  j:
    env: {STACK: "\${{ matrix.stack }}"}
    steps:
      - id: first
        run: echo "drifted=true" >> "$GITHUB_OUTPUT"; echo "ADDED=yes" >> "$GITHUB_ENV"
      - name: conditional
        if: steps.first.outputs.drifted == 'true'
        env: {LEVEL: step}
        run: echo "$LEVEL $STACK $ADDED \${{ github.sha }} \${#TOKEN}"
      - name: never
        if: steps.first.outputs.drifted == 'false'
        run: exit 1
      - name: fails
        run: |
          false
          echo "not reached"
      - name: after a failure
        run: echo nope
      - name: always
        if: always() && steps.first.outcome == 'success'
        run: echo "still runs"; echo "## done" >> "$GITHUB_STEP_SUMMARY"
`);
        const run = await runJob(w, "j", {
            workspace: dir,
            runnerEnv,
            matrix: { stack: "staging" },
            secrets: { TOKEN: "s3cret" },
            github: { sha: "abc123" },
            actions: {},
        });
        expect(run.steps.map((s) => [s.name, s.outcome])).toEqual([
            [expect.stringContaining("drifted=true"), "success"],
            ["conditional", "success"],
            ["never", "skipped"],
            ["fails", "failure"],
            ["after a failure", "skipped"],
            ["always", "success"],
        ]);
        expect(run.step("first").outputs).toEqual({ drifted: "true" });
        expect(run.step("conditional").output).toBe("step staging yes abc123 6\n");
        expect(run.step("fails").output).not.toContain("not reached");
        expect(run.summary).toBe("## done\n");
        expect(run.ok).toBe(false);
    });

    it("fails a job that uses an action it has no stand-in for, and runs the stand-ins it has with their inputs", async () => {
        const w = workflow(`
name: t
jobs:
  j:
    steps:
      - uses: example/setup-tool@v1
        with: {version: "\${{ matrix.v }}"}
      - run: tool-version
      - uses: example/unknown@v2
`);
        const bin = join(dir, "tool-bin");
        const run = await runJob(w, "j", {
            workspace: dir,
            runnerEnv,
            matrix: { v: "1.2" },
            actions: {
                "example/setup-tool": async (inputs) => {
                    const { mkdirSync } = await import("node:fs");
                    mkdirSync(bin, { recursive: true });
                    writeFileSync(join(bin, "tool-version"), `#!/bin/sh\necho ${inputs.version}\n`, { mode: 0o755 });
                    return { path: [bin] };
                },
            },
        });
        expect(run.steps.map((s) => s.outcome)).toEqual(["success", "success", "failure"]);
        expect(run.steps[1].output).toBe("1.2\n");
        expect(run.steps[2].output).toBe("[runner] no local stand-in for action example/unknown@v2");
        expect(run.ok).toBe(false);
    });
});
