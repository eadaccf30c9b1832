import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { changeLockPath, InterruptedChangeError, recoverInterruptedChange, withChangeLock } from "../../ops/stack/changeLock";
import { LockConflictError } from "../../ops/stack/locks";
import { writeStackConfigValues } from "../../ops/stack/stackFile";
import { REPO_ROOT } from "../support/platform";

describe("the change lock of a stack", () => {
    let dir: string;
    const stackFile = () => readFileSync(join(dir, "Pulumi.local.yaml"), "utf8");

    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "mcp-change-lock-"));
        copyFileSync(join(REPO_ROOT, "Pulumi.local.yaml"), join(dir, "Pulumi.local.yaml"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("lets one change in and tells a second who holds the stack, before it touches anything", async () => {
        let second: unknown;
        await withChangeLock(dir, "local", async () => {
            second = await withChangeLock(dir, "local", async () => "ran").catch((e) => e);
        });
        expect(second).toBeInstanceOf(LockConflictError);
        expect((second as Error).message).toMatch(
            /^stack local is being updated by someone else \(mcp-ops on .+@.+, pid \d+, since .+\); wait for it, run again with --wait/,
        );
        expect(await withChangeLock(dir, "local", async () => "free again")).toBe("free again");
    });

    it("waits for the holder with --wait", async () => {
        const order: string[] = [];
        const first = withChangeLock(dir, "local", async () => {
            await new Promise((r) => setTimeout(r, 1500));
            order.push("first");
        });
        await new Promise((r) => setTimeout(r, 100));
        await withChangeLock(dir, "local", async () => void order.push("second"), { wait: true, waitMs: 10_000 });
        await first;
        expect(order).toEqual(["first", "second"]);
    });

    it("refuses to run after a change was killed, and recover puts the stack file back as it was", async () => {
        const before = stackFile();
        // A change that died holding the lock, after writing its edit: its pid no longer exists.
        const dead = spawnSync("true").pid;
        mkdirSync(join(dir, ".local", "ops-locks"), { recursive: true });
        writeFileSync(
            changeLockPath(dir, "local"),
            JSON.stringify({ pid: dead, username: "alice", hostname: hostname(), timestamp: "2026-11-21T10:00:00Z" }),
        );
        copyFileSync(join(dir, "Pulumi.local.yaml"), join(dir, ".local", "ops-locks", "local.before.yaml"));
        writeStackConfigValues("local", dir, { maintenance: true });

        const refused = await withChangeLock(dir, "local", async () => "ran").catch((e) => e);
        expect(refused).toBeInstanceOf(InterruptedChangeError);
        expect(refused.message).toBe(
            `an earlier change of stack local (mcp-ops on alice@${hostname()}, pid ${dead}, since 2026-11-21T10:00:00Z) was interrupted ` +
                `before it finished; ` +
                "run mcp-ops recover --stack local, which puts the stack file back as it was before that change and clears its locks",
        );
        expect(refused.exitCode).toBe(73);

        expect(recoverInterruptedChange(dir, "local")).toBe(
            `mcp-ops on alice@${hostname()}, pid ${dead}, since 2026-11-21T10:00:00Z; stack file put back as it was before that change`,
        );
        expect(stackFile()).toBe(before);
        expect(await withChangeLock(dir, "local", async () => "ran")).toBe("ran");
    });

    it("leaves a live holder's lock alone in recover unless forced", async () => {
        await withChangeLock(dir, "local", async () => {
            expect(recoverInterruptedChange(dir, "local")).toBeUndefined();
        });
    });
});
