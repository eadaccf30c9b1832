import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type ChangeForGit, describeGitRecord, recordInGit } from "../../ops/change/git";
import { REPO_ROOT } from "../support/platform";

/** Real git, in throwaway repositories: an operator's checkout and the team's remote. */
describe("an applied ops change recorded in git", () => {
    let root: string;
    let checkout: string;
    let remote: string;
    const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" }).trim();
    const env = (extra: Record<string, string> = {}) => ({ ...process.env, PATH: `${join(root, "bin")}:/usr/bin:/bin`, ...extra });
    const change = (over: Partial<ChangeForGit> = {}): ChangeForGit => ({
        projectDir: checkout,
        stack: "production",
        values: { services: { ...servicesAtHead(), router: { ...servicesAtHead().router, minReplicas: 6 } } },
        operation: "scale",
        summary: "scale router to at least 6 replicas",
        reason: "incident 42",
        actor: "alice",
        version: 17,
        edits: [{ path: "services.router.minReplicas", from: 3, to: 6 }],
        ...over,
    });
    const servicesAtHead = () =>
        parse(readFileSync(join(REPO_ROOT, "Pulumi.production.yaml"), "utf8")).config["mcp:services"] as Record<
            string,
            Record<string, unknown>
        >;
    const fileOn = (ref: string) => git(checkout, "show", `${ref}:Pulumi.production.yaml`);
    const state = () => ({
        head: git(checkout, "rev-parse", "HEAD"),
        branch: git(checkout, "rev-parse", "--abbrev-ref", "HEAD"),
        status: git(checkout, "status", "--porcelain=v1"),
        diff: git(checkout, "diff"),
        staged: git(checkout, "diff", "--cached"),
    });

    beforeEach(() => {
        root = mkdtempSync(join(tmpdir(), "mcp-ops-git-test-"));
        remote = join(root, "remote.git");
        checkout = join(root, "checkout");
        mkdirSync(join(root, "bin"));
        git(root, "init", "--quiet", "--bare", "--initial-branch=main", remote);
        git(root, "clone", "--quiet", remote, checkout);
        git(checkout, "config", "user.name", "Alice Operator");
        git(checkout, "config", "user.email", "alice@example.org");
        copyFileSync(join(REPO_ROOT, "Pulumi.production.yaml"), join(checkout, "Pulumi.production.yaml"));
        writeFileSync(join(checkout, "README.md"), "project\n");
        git(checkout, "add", ".");
        git(checkout, "commit", "--quiet", "-m", "initial");
        git(checkout, "push", "--quiet", "origin", "main");
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it("commits only the change, on a branch named for the update, pushes it and says what is left without gh", async () => {
        const before = state();
        const record = await recordInGit(change(), env());
        expect(record).toMatchObject({ branch: "mcp-ops/production/update-17-scale", pushedTo: "origin" });
        expect(git(remote, "rev-parse", "refs/heads/mcp-ops/production/update-17-scale")).toBe(record.commit);
        expect(git(checkout, "rev-parse", `${record.commit}^`)).toBe(before.head);
        expect(git(checkout, "diff", "--name-only", before.head, record.commit!)).toBe("Pulumi.production.yaml");
        const diff = git(checkout, "diff", "-U0", before.head, record.commit!);
        expect(diff.split("\n").filter((l) => /^[-+] /.test(l))).toEqual(["-      minReplicas: 3", "+      minReplicas: 6"]);
        expect(parse(fileOn(record.commit!)).config["mcp:services"].router.minReplicas).toBe(6);
        expect(git(checkout, "log", "-1", "--format=%B", record.commit!)).toContain(
            "operation: scale\nreason: incident 42\nactor: alice\nupdate: 17",
        );
        expect(git(checkout, "log", "-1", "--format=%an <%ae>", record.commit!)).toBe("Alice Operator <alice@example.org>");
        expect(record.todo).toEqual([
            "gh pr create --head mcp-ops/production/update-17-scale --base main " +
                "--title 'mcp-ops scale on production: scale router to at least 6 replicas' --body \"merge before the next deploy\"",
        ]);
        expect(state()).toEqual(before);
        expect(describeGitRecord(record)).toMatch(
            /^git: committed [0-9a-f]{12} on branch mcp-ops\/production\/update-17-scale, pushed to origin\n/,
        );
    });

    it("leaves a dirty checkout exactly as it was: the commit holds HEAD's file plus the change, nothing uncommitted", async () => {
        // The operator's own unfinished work: an edit of the same stack file, a staged file and an untracked one.
        const stackFile = join(checkout, "Pulumi.production.yaml");
        writeFileSync(stackFile, `${readFileSync(stackFile, "utf8")}# a note not yet committed\n`);
        writeFileSync(join(checkout, "README.md"), "project, staged edit\n");
        git(checkout, "add", "README.md");
        writeFileSync(join(checkout, "scratch.txt"), "untracked\n");
        const before = state();
        const record = await recordInGit(change(), env());
        expect(state()).toEqual(before);
        expect(fileOn(record.commit!)).not.toContain("a note not yet committed");
        expect(git(checkout, "diff", "--name-only", "HEAD", record.commit!)).toBe("Pulumi.production.yaml");
    });

    it("branches from a detached HEAD and leaves it detached where it was", async () => {
        git(checkout, "checkout", "--quiet", "--detach", "HEAD");
        const before = state();
        expect(before.branch).toBe("HEAD");
        const record = await recordInGit(change(), env());
        expect(git(checkout, "rev-parse", `${record.commit}^`)).toBe(before.head);
        expect(state()).toEqual(before);
        expect(record.pushedTo).toBe("origin");
    });

    it("opens a pull request with gh when it is there", async () => {
        const calls = join(root, "gh-calls");
        const gh = join(root, "bin", "gh");
        writeFileSync(
            gh,
            `#!/bin/sh\nprintf '%s\\n' "$*" >> ${calls}\ncat >> ${calls}\necho https://github.example/team/platform/pull/7\n`,
        );
        chmodSync(gh, 0o755);
        const record = await recordInGit(change(), env());
        expect(record.pullRequest).toBe("https://github.example/team/platform/pull/7");
        expect(record.todo).toBeUndefined();
        const called = readFileSync(calls, "utf8");
        expect(called).toMatch(/^pr create --head mcp-ops\/production\/update-17-scale --base main --title mcp-ops scale on production/);
        expect(called).toContain("- `services.router.minReplicas`: `3` → `6`");
    });

    it("gives the exact commands when there is no remote, and a second change of the same update gets its own branch", async () => {
        git(checkout, "remote", "remove", "origin");
        const first = await recordInGit(change(), env());
        const second = await recordInGit(change(), env());
        expect(first.pushedTo).toBeUndefined();
        expect(first.todo?.[0]).toBe("git push <remote> mcp-ops/production/update-17-scale");
        expect(second.branch).toBe("mcp-ops/production/update-17-scale-2");
    });

    it("skips what is not a git checkout, saying so", async () => {
        const plain = join(root, "plain");
        mkdirSync(plain);
        copyFileSync(join(REPO_ROOT, "Pulumi.production.yaml"), join(plain, "Pulumi.production.yaml"));
        const record = await recordInGit(change({ projectDir: plain }), env({ GIT_CEILING_DIRECTORIES: root }));
        expect(record).toEqual({ skipped: `${plain} is not a git checkout` });
        expect(describeGitRecord(record)).toBe(`git: not recorded (${plain} is not a git checkout)`);
    });
});
