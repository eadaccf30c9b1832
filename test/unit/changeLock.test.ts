import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InterruptedChangeError, readChangeLock, recoverChangeLock, withChangeLock } from "../../ops/change/changeLock";
import { FileStore, teamStore } from "../../ops/change/teamStore";
import { Waiting } from "../../ops/change/waiting";
import { LockConflictError } from "../../ops/stack/locks";
import { writeStackConfigValues } from "../../ops/stack/stackFile";
import { REPO_ROOT } from "../support/platform";

const noWait = () => new Waiting(false, () => undefined);

describe("the change lock of a stack, in the team store beside the state", () => {
    let dir: string;
    let backend: string;
    let store: FileStore;
    const place = () => ({ store, projectDir: dir });
    const stackFile = () => readFileSync(join(dir, "Pulumi.local.yaml"), "utf8");

    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "mcp-change-lock-"));
        backend = mkdtempSync(join(tmpdir(), "mcp-change-backend-"));
        copyFileSync(join(REPO_ROOT, "Pulumi.local.yaml"), join(dir, "Pulumi.local.yaml"));
        store = teamStore(`file://${backend}`, "mcp-platform", dir) as FileStore;
    });
    afterEach(() => {
        rmSync(dir, { recursive: true, force: true });
        rmSync(backend, { recursive: true, force: true });
    });

    it("lives in the backend's own folder for mcp-ops, never in Pulumi's .pulumi folder", () => {
        expect(store.shared).toBe(true);
        expect(store.location).toBe(join(backend, ".mcp-ops", "mcp-platform"));
        const elsewhere = teamStore("https://api.pulumi.com", "mcp-platform", dir);
        expect(elsewhere.shared).toBe(false);
        expect(elsewhere.location).toBe(join(dir, ".local", "ops-locks"));
    });

    it("lets one change in and tells a second, from another checkout, who holds the stack before it touches anything", async () => {
        const otherCheckout = mkdtempSync(join(tmpdir(), "mcp-change-other-"));
        try {
            copyFileSync(join(dir, "Pulumi.local.yaml"), join(otherCheckout, "Pulumi.local.yaml"));
            let second: unknown;
            await withChangeLock(
                place(),
                "local",
                async () => {
                    second = await withChangeLock({ store, projectDir: otherCheckout }, "local", async () => "ran", noWait()).catch(
                        (e) => e,
                    );
                },
                noWait(),
            );
            expect(second).toBeInstanceOf(LockConflictError);
            expect((second as Error).message).toMatch(
                /^stack local is being updated by someone else \(mcp-ops on .+@.+, pid \d+, since .+\); wait for it, run again with --wait/,
            );
            expect(await readChangeLock(store, "local")).toBeUndefined();
            expect(await withChangeLock({ store, projectDir: otherCheckout }, "local", async () => "free again", noWait())).toBe(
                "free again",
            );
        } finally {
            rmSync(otherCheckout, { recursive: true, force: true });
        }
    });

    it("waits for the holder with --wait, telling once who it waits for", async () => {
        const order: string[] = [];
        const lines: string[] = [];
        const first = withChangeLock(
            place(),
            "local",
            async () => {
                await new Promise((r) => setTimeout(r, 1500));
                order.push("first");
            },
            noWait(),
        );
        await new Promise((r) => setTimeout(r, 100));
        await withChangeLock(place(), "local", async () => void order.push("second"), new Waiting(true, (l) => lines.push(l), 10_000, 100));
        await first;
        expect(order).toEqual(["first", "second"]);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^stack local is being updated by someone else \(mcp-ops on .+\); waiting \.\.\.$/);
    });

    it("stops waiting at the deadline with the holder named", async () => {
        await withChangeLock(
            place(),
            "local",
            async () => {
                const waited = await withChangeLock(
                    place(),
                    "local",
                    async () => "ran",
                    new Waiting(true, () => undefined, 300, 100),
                ).catch((e) => e);
                expect(waited).toBeInstanceOf(LockConflictError);
            },
            noWait(),
        );
    });

    it("refuses to run after a change was killed, and recover puts the stack file back and clears the lock", async () => {
        const before = stackFile();
        // A change that died holding the lock, after writing its edit: its pid no longer exists.
        const dead = spawnSync("true").pid;
        const holder = { pid: dead, username: "alice", hostname: hostname(), timestamp: "2026-11-21T10:00:00Z", checkout: dir };
        expect(await store.createExclusive("locks/local.json", JSON.stringify(holder))).toBe(true);
        mkdirSync(join(dir, ".local", "ops-changes"), { recursive: true });
        writeFileSync(join(dir, ".local", "ops-changes", "local.json"), JSON.stringify(holder));
        copyFileSync(join(dir, "Pulumi.local.yaml"), join(dir, ".local", "ops-changes", "local.before.yaml"));
        writeStackConfigValues("local", dir, { maintenance: true });

        const refused = await withChangeLock(place(), "local", async () => "ran", noWait()).catch((e) => e);
        expect(refused).toBeInstanceOf(InterruptedChangeError);
        expect(refused.message).toBe(
            `an earlier change of stack local (mcp-ops on alice@${hostname()}, pid ${dead}, since 2026-11-21T10:00:00Z) was interrupted ` +
                `before it finished; ` +
                "run mcp-ops recover --stack local, which puts the stack file back as it was before that change and clears its locks",
        );
        expect(refused.exitCode).toBe(73);
        expect(stackFile()).not.toBe(before);

        expect(await recoverChangeLock(store, dir, "local")).toEqual([
            `mcp-ops on alice@${hostname()}, pid ${dead}, since 2026-11-21T10:00:00Z; stack file put back as it was before that change`,
            `change lock of mcp-ops on alice@${hostname()}, pid ${dead}, since 2026-11-21T10:00:00Z in ${store.location}`,
        ]);
        expect(stackFile()).toBe(before);
        expect(await withChangeLock(place(), "local", async () => "ran", noWait())).toBe("ran");
    });

    it("leaves a live holder's lock alone in recover, and one of another machine unless forced", async () => {
        await withChangeLock(
            place(),
            "local",
            async () => {
                await expect(recoverChangeLock(store, dir, "local")).rejects.toThrow(/it is still running; pass --force only if/);
            },
            noWait(),
        );
        const remote = { pid: 1, username: "bob", hostname: "laptop-of-bob", timestamp: "2026-11-21T10:00:00Z", checkout: "/home/bob/p" };
        await store.createExclusive("locks/local.json", JSON.stringify(remote));
        await expect(recoverChangeLock(store, dir, "local")).rejects.toThrow(
            /bob@laptop-of-bob, pid 1, since 2026-11-21T10:00:00Z; it runs on laptop-of-bob, which cannot be checked from here; pass --for/,
        );
        expect(await recoverChangeLock(store, dir, "local", true)).toEqual([
            `change lock of mcp-ops on bob@laptop-of-bob, pid 1, since 2026-11-21T10:00:00Z in ${store.location}`,
        ]);
        expect(await readChangeLock(store, "local")).toBeUndefined();
    });

    it("clears its journal and its lock when the change fails (the lifecycle has put the file back by then)", async () => {
        const failed = await withChangeLock(
            place(),
            "local",
            async () => {
                throw new Error("engine refused");
            },
            noWait(),
        ).catch((e) => e);
        expect(failed.message).toBe("engine refused");
        expect(await readChangeLock(store, "local")).toBeUndefined();
        expect(() => readFileSync(join(dir, ".local", "ops-changes", "local.json"))).toThrow();
    });
});
