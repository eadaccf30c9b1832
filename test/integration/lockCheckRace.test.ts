import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStack } from "../../ops/stack/automation";
import { stackEnvironment } from "../../ops/stack/environment";
import { isLockCheckRace } from "../../ops/stack/lockCheckRace";
import { lockFiles } from "../support/engineLocks";
import { configOnlyProgram, opsProject } from "../support/opsProject";

// The real engine and file backend. An engine taking the lock reads every file in the stack's lock
// folder; another engine's lock, while being written, is an empty temporary file there. The tests
// put one there by hand, exactly as the engine names it, so the race happens every time.
describe("an update that meets another update's lock half written", () => {
    let project: Awaited<ReturnType<typeof opsProject>>;
    let lockFolder: string;

    beforeAll(async () => {
        delete process.env.KUBECONFIG;
        project = await opsProject();
        // Where the engine keeps this stack's locks: seen while an update holds one.
        const holding = await project.open(3000);
        const running = holding.up("finds the lock folder");
        const backend = stackEnvironment(project.dir, "local", {}).PULUMI_BACKEND_URL;
        const deadline = Date.now() + 60_000;
        while (lockFiles(backend, "local").length === 0) {
            if (Date.now() > deadline) throw new Error("the update never took the lock");
            await new Promise((r) => setTimeout(r, 100));
        }
        lockFolder = dirname(lockFiles(backend, "local")[0].path);
        await running;
    }, 120_000);
    afterAll(() => project?.remove());

    const halfWrittenLock = () => {
        const path = join(lockFolder, `0f0e0d0c-half-written.json.${Date.now().toString(16)}.tmp`);
        writeFileSync(path, "");
        return path;
    };
    const open = (onOutput: (line: string) => void) =>
        openStack({ projectDir: project.dir, stack: "local", pulumi: project.pulumi, program: configOnlyProgram(), onOutput });

    it("tries again, and goes through once the other lock is written and gone", async () => {
        const lock = halfWrittenLock();
        const retries: string[] = [];
        const stack = await open((line) => {
            if (/trying again/.test(line)) {
                retries.push(line.trim());
                rmSync(lock, { force: true });
            }
        });
        const result = await stack.up("after the race");
        expect(retries).toEqual(["another update was taking the stack's lock at the same moment; trying again (attempt 2 of 3)"]);
        const [newest] = await stack.history(1);
        expect(newest).toMatchObject({ message: "after the race", result: "succeeded" });
        expect(await result.version).toBe(newest.version);
    }, 120_000);

    it("gives up after three attempts with the engine's own error while the lock stays unreadable", async () => {
        const lock = halfWrittenLock();
        const retries: string[] = [];
        const stack = await open((line) => /trying again/.test(line) && retries.push(line));
        const before = (await stack.history()).length;
        try {
            const failure = await stack.up("never runs").then(
                () => undefined,
                (error: Error) => error,
            );
            expect(failure?.message).toBe("unexpected end of JSON input");
            expect(isLockCheckRace(failure!.message)).toBe(true);
            expect(retries).toHaveLength(2);
            expect(await stack.history()).toHaveLength(before);
        } finally {
            rmSync(lock, { force: true });
        }
        expect(readdirSync(lockFolder)).toEqual([]);
    }, 120_000);
});
