import { spawn } from "node:child_process";
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { engineLockHolders, isStale } from "../../ops/stack/locks";

const lockOf = (pid: number, host = hostname()) => ({
    path: "lock.json",
    pid,
    username: "alice",
    hostname: host,
    timestamp: "2026-11-21T10:00:00Z",
});

describe("a stale engine lock", () => {
    it("is one whose process is gone, or killed and not yet collected by its parent (a zombie)", async () => {
        // sh starts a child that exits at once, then becomes `sleep`, which never collects it: a zombie for 5 s.
        const parent = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 5"], { stdio: ["ignore", "pipe", "ignore"] });
        try {
            const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once("data", (d) => resolve(String(d)))));
            await new Promise((r) => setTimeout(r, 200));
            expect(isStale(lockOf(zombie))).toBe(true);
            expect(isStale(lockOf(parent.pid!))).toBe(false);
            expect(isStale(lockOf(parent.pid!, "another-host"))).toBe(false);
        } finally {
            parent.kill("SIGKILL");
        }
    });
});

describe("the engine's lock holders", () => {
    it("are read from the engine's own refusal, once for every lock it names", () => {
        // As a file or S3 backend refuses a second update (the CLI's wording, inside the Automation API's error).
        const refusal = [
            "code: 255",
            " stdout: ",
            " stderr: error: the stack is currently locked by 2 lock(s). Either wait for the other process(es) to end or delete the " +
                "lock file with `pulumi cancel`.",
            "  file:///srv/state/.pulumi/locks/organization/mcp-platform/staging/1f0e.json: created by alice@laptop (pid 4242) at " +
                "2026-11-21T10:00:00Z",
            "  s3://team-state/.pulumi/locks/organization/mcp-platform/staging/9a2b.json: created by ci-runner@gh-42 (pid 77) at " +
                "2026-11-21T10:00:05Z",
        ].join("\n");
        // The Automation API's error repeats the CLI's output (stdout, stderr): each lock counts once.
        expect(engineLockHolders(`${refusal}\n${refusal}`)).toEqual([
            {
                url: "file:///srv/state/.pulumi/locks/organization/mcp-platform/staging/1f0e.json",
                username: "alice",
                hostname: "laptop",
                pid: 4242,
                timestamp: "2026-11-21T10:00:00Z",
            },
            {
                url: "s3://team-state/.pulumi/locks/organization/mcp-platform/staging/9a2b.json",
                username: "ci-runner",
                hostname: "gh-42",
                pid: 77,
                timestamp: "2026-11-21T10:00:05Z",
            },
        ]);
        expect(engineLockHolders("error: [409] Conflict: Another update is currently in progress.")).toEqual([]);
    });
});
