import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CommandContext } from "../../ops/commandLine/context";
import { InterruptedChangeError, readChangeLock } from "../../ops/change/changeLock";
import { applyChange, type ChangeFlags } from "../../ops/change/pipeline";
import { recoverChange } from "../../ops/change/recover";
import { teamStore } from "../../ops/change/teamStore";
import { planScaleReplicas } from "../../ops/commands/scale";
import { openStack } from "../../ops/stack/automation";
import { PROJECT_NAME } from "../../ops/stack/environment";
import { LockConflictError } from "../../ops/stack/locks";
import { runCli } from "../support/cli";
import { configOnlyProgram, pulumiCliForTests } from "../support/opsProject";
import { REPO_ROOT } from "../support/platform";
import { type S3Server, startS3Server } from "../support/s3Server";

/**
 * A team on one shared stack: its state in an S3-compatible bucket (a real server on loopback), its
 * desired state in a git remote, and several checkouts acting as operators' machines and as CI.
 * The real Pulumi CLI and engine run the config-only program (no provider plugin needed).
 */
describe("team operations on a shared stack (S3 backend, git remote)", () => {
    const STACK = "staging";
    let root: string;
    let s3: S3Server;
    let pulumi: string;
    let env: Record<string, string>;
    const saved: Record<string, string | undefined> = {};
    const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" }).trim();
    const checkout = (name: string) => {
        const dir = join(root, name);
        git(root, "clone", "--quiet", join(root, "remote.git"), dir);
        git(dir, "config", "user.name", name);
        git(dir, "config", "user.email", `${name}@example.org`);
        return dir;
    };
    const open = (dir: string, delayMs = 0) => openStack({ projectDir: dir, stack: STACK, pulumi, program: configOnlyProgram(delayMs) });
    const ctx = (dir: string, delayMs = 0) => new CommandContext(dir, () => open(dir, delayMs));
    const flags = (over: Partial<ChangeFlags> = {}): ChangeFlags => ({
        stack: STACK,
        reason: "incident 42",
        yes: true,
        preview: false,
        revert: true,
        wait: false,
        git: true,
        verifyTimeout: 5,
        ...over,
    });
    const stackFileText = (dir: string) => readFileSync(join(dir, `Pulumi.${STACK}.yaml`), "utf8");
    const routerReplicas = (dir: string) => parse(stackFileText(dir)).config["mcp:services"].router.replicas as number;
    /** What deploy.yml does: deploy-check, then `pulumi up` of the commit (here through the Automation API). */
    const deployCheck = (dir: string, ...args: string[]) => runCli(["deploy-check", "--stack", STACK, ...args], env, dir);
    const deploy = async (dir: string) => (await open(dir)).stack.up({ message: `deploy ${git(dir, "rev-parse", "--short", "HEAD")}` });

    beforeAll(async () => {
        root = mkdtempSync(join(tmpdir(), "mcp-team-"));
        s3 = await startS3Server();
        pulumi = pulumiCliForTests();
        env = { ...s3.env, PULUMI_BACKEND_URL: s3.backendUrl, PULUMI_CONFIG_PASSPHRASE: "team-passphrase", MCP_PULUMI: pulumi };
        for (const [key, value] of Object.entries({ ...env, MCP_OPS_ACTOR: "alice" })) {
            saved[key] = process.env[key];
            process.env[key] = value;
        }
        delete process.env.KUBECONFIG;
        // The team's repository: the project and a staging stack file, on a bare remote.
        const seed = join(root, "seed");
        git(root, "init", "--quiet", "--bare", "--initial-branch=main", join(root, "remote.git"));
        git(root, "clone", "--quiet", join(root, "remote.git"), seed);
        copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(seed, "Pulumi.yaml"));
        // The team's stack gets its own passphrase salt when it is created.
        const localStackFile = readFileSync(join(REPO_ROOT, "Pulumi.local.yaml"), "utf8");
        writeFileSync(join(seed, `Pulumi.${STACK}.yaml`), localStackFile.replace(/^encryptionsalt:.*\n/m, ""));
        writeFileSync(join(seed, "README.md"), "the team's platform\n");
        // `pulumi stack init` writes the stack's salt into its file, which the team then commits.
        const pulumiCommand = await PulumiCommand.get({ root: join(pulumi, "..", "..") });
        const ws = await LocalWorkspace.create({ workDir: seed, pulumiCommand, envVars: env });
        await ws.createStack(STACK);
        git(seed, "add", ".");
        git(seed, "-c", "user.name=seed", "-c", "user.email=seed@example.org", "commit", "--quiet", "-m", "initial");
        git(seed, "push", "--quiet", "origin", "main");
    }, 300_000);

    afterAll(async () => {
        for (const [key, value] of Object.entries(saved)) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
        await s3?.stop();
        if (root) rmSync(root, { recursive: true, force: true });
    });

    it("keeps the change lock in the bucket, beside the state", () => {
        const store = teamStore(s3.backendUrl, PROJECT_NAME, root);
        expect(store.shared).toBe(true);
        expect(store.location).toBe(`s3://${s3.bucket}/.mcp-ops/${PROJECT_NAME}`);
    });

    it("an incident scale reaches git; an unrelated merge is refused by deploy-check; the merged branch deploys unchanged", async () => {
        const ci = checkout("ci");
        await deploy(ci);
        const operator = checkout("operator");

        const scaled = await applyChange(ctx(operator), flags(), (current) => planScaleReplicas(current, "router", 4));
        expect(scaled.outcome).toBe("applied");
        const branch = `mcp-ops/${STACK}/update-${scaled.version}-scale`;
        expect(scaled.git).toMatchObject({ branch, pushedTo: "origin" });
        expect(git(join(root, "remote.git"), "branch", "--list", branch)).toContain(branch);

        // Someone merges an unrelated change; CI deploys main.
        git(ci, "pull", "--quiet", "origin", "main");
        writeFileSync(join(ci, "README.md"), "the team's platform, documented\n");
        git(ci, "commit", "--quiet", "-am", "docs");
        const refused = await deployCheck(ci);
        expect(refused.code).toBe(76);
        expect(refused.stdout).toContain(`update ${scaled.version} (mcp-ops scale by alice at `);
        expect(refused.stdout).toContain("services.router.replicas: live 4, this commit 1");
        expect(refused.stdout).toContain(`merge branch ${branch}`);
        const overridden = await deployCheck(ci, "--override", "scale-down approved by the incident lead");
        expect(overridden.code).toBe(0);
        expect(overridden.stderr).toContain("deploy-check overridden: scale-down approved by the incident lead");

        // The ops branch is merged: the check passes and the deploy changes nothing.
        git(ci, "fetch", "--quiet", "origin");
        git(ci, "merge", "--quiet", "--no-edit", `origin/${branch}`);
        expect(routerReplicas(ci)).toBe(4);
        const passed = await deployCheck(ci);
        expect(passed.code).toBe(0);
        expect(passed.stdout).toContain("deploy-check: the commit keeps every value mcp-ops changes set on stack staging");
        const deployed = await deploy(ci);
        const changes = deployed.summary.resourceChanges ?? {};
        expect(Object.keys(changes).filter((op) => op !== "same")).toEqual([]);
    });

    it("two operators racing: one applies, the other is refused before its stack file is touched", async () => {
        const first = checkout("operator-1");
        const second = checkout("operator-2");
        const secondBefore = stackFileText(second);
        const results = await Promise.allSettled([
            applyChange(ctx(first, 3000), flags({ git: false }), (current) => planScaleReplicas(current, "router", 5)),
            new Promise((r) => setTimeout(r, 500)).then(() =>
                applyChange(ctx(second), flags({ git: false }), (current) => planScaleReplicas(current, "router", 6)),
            ),
        ]);
        expect(results[0]).toMatchObject({ status: "fulfilled", value: { outcome: "applied" } });
        expect(results[1].status).toBe("rejected");
        const refusal = (results[1] as PromiseRejectedResult).reason as Error;
        expect(refusal).toBeInstanceOf(LockConflictError);
        expect(refusal.message).toMatch(/^stack staging is being updated by someone else \(mcp-ops on .+@.+, pid \d+, since .+\)/);
        expect(stackFileText(second)).toBe(secondBefore);
        expect(routerReplicas(first)).toBe(5);
    });

    it("a change killed on one machine is recovered from another, and the killed checkout gets its file back", async () => {
        const killed = checkout("killed");
        const other = checkout("other");
        const killedBefore = stackFileText(killed);
        const child = spawn(
            join(REPO_ROOT, "node_modules", ".bin", "tsx"),
            [join(REPO_ROOT, "test", "support", "teamChange.ts"), killed, pulumi, STACK, "7"],
            { stdio: "ignore", detached: true, env: process.env },
        );
        const journal = join(killed, ".local", "ops-changes", `${STACK}.json`);
        const deadline = Date.now() + 60_000;
        while (!existsSync(journal) || routerReplicas(killed) !== 7) {
            if (Date.now() > deadline) throw new Error("the slow change never started");
            await new Promise((r) => setTimeout(r, 200));
        }
        // Into its update (the program waits 60 s), then the whole process group dies: node and the pulumi CLI.
        await new Promise((r) => setTimeout(r, 4000));
        process.kill(-child.pid!, "SIGKILL");
        await new Promise((r) => setTimeout(r, 500));

        const store = teamStore(s3.backendUrl, PROJECT_NAME, other);
        expect((await readChangeLock(store, STACK))?.checkout).toBe(killed);
        const refused = await applyChange(ctx(other), flags({ git: false }), (current) => planScaleReplicas(current, "router", 2)).catch(
            (e) => e,
        );
        expect(refused).toBeInstanceOf(InterruptedChangeError);
        const recovered = await recoverChange(ctx(other), { stack: STACK, force: false, message: "recover after a killed change" });
        expect(recovered.locksRemoved[0]).toMatch(/^change lock of mcp-ops on .+, pid \d+, since .+ in s3:\/\/team-state\/.mcp-ops\//);
        expect(recovered.locksRemoved).toHaveLength(2);
        expect(recovered.refreshed).toBe(true);
        const after = await applyChange(ctx(other), flags({ git: false }), (current) => planScaleReplicas(current, "router", 2));
        expect(after.outcome).toBe("applied");

        // The killed checkout still holds the unapplied edit: refused there until recover puts its file back.
        expect(routerReplicas(killed)).toBe(7);
        await expect(applyChange(ctx(killed), flags(), (current) => planScaleReplicas(current, "router", 3))).rejects.toBeInstanceOf(
            InterruptedChangeError,
        );
        const local = await recoverChange(ctx(killed), { stack: STACK, force: false, message: "recover the killed checkout" });
        expect(local.locksRemoved[0]).toMatch(/; stack file put back as it was before that change$/);
        expect(stackFileText(killed)).toBe(killedBefore);
    });
});
