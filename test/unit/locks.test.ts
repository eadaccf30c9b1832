import { spawn } from "node:child_process";
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { isStale } from "../../ops/stack/locks";

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
