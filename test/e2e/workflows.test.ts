import { execFile, execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, delimiter, dirname, join } from "node:path";
import { parseDocument } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ActionStandIn, commandStandIn, type JobOptions, type JobRun, loadWorkflow, runJob } from "../support/workflowRunner";
import { type Kubectl, kubectlFor } from "../support/kubectl";
import { REPO_ROOT } from "../support/platform";
import { type S3Server, startS3Server } from "../support/s3Server";
import { languageHostFor } from "./languageHost";
import { type E2eProject, e2eProject, eventually } from "./support";

/**
 * CI's path, as written: the runner reads .github/workflows/{preview,deploy,drift}.yml from a
 * checkout of the project and runs their steps. What GitHub provides is replaced by local
 * equivalents: the state backend is an S3 bucket on a real S3-compatible server on loopback (the
 * workflows' PULUMI_BACKEND_URL variable; its credentials in the runner's AWS_* variables),
 * the staging stack is this machine's local cluster (its kubeconfig is the workflows' cluster
 * secret; its stack file is the local stack's with `environment: staging`), `pulumi/actions` is
 * the project's Pulumi CLI with the Node.js language host beside it, `gh` records the calls it
 * gets. The production legs run the same steps against AWS, which this machine cannot reach.
 */
const STACK = "staging";
const NAMESPACE = "mcp-staging";
const PASSPHRASE = "workflow-test-only";

let project: E2eProject;
let checkout: string;
let tools: string;
let kubectl: Kubectl;
let ghCalls: string;
let s3: S3Server;

beforeAll(async () => {
    s3 = await startS3Server();
    project = await e2eProject();
    kubectl = kubectlFor(join(project.dir, ".local", "cluster"));
    checkout = mkdtempSync(join(tmpdir(), "mcp-checkout-"));
    tools = mkdtempSync(join(tmpdir(), "mcp-runner-tools-"));
    ghCalls = join(tools, "gh-calls.log");
    copyProject(checkout);
    git("init", "--quiet", "--initial-branch=main");
    commit("the commit under test");
    // Done once by whoever sets the stack up, before any workflow runs (a passphrase backend records its salt in the stack file).
    execFileSync(project.pulumi, ["stack", "init", STACK], { cwd: checkout, env: { ...process.env, ...backendEnv() }, stdio: "pipe" });
    commit(`stack ${STACK} created`);
}, 40 * 60_000);

afterAll(async () => {
    if (checkout && existsSync(join(checkout, "node_modules"))) {
        execFileSync(project.pulumi, ["destroy", "--stack", STACK, "--yes", "--skip-preview"], {
            cwd: checkout,
            env: { ...process.env, ...backendEnv(), KUBECONFIG: kubeconfigPath(), PATH: pulumiPath() },
            stdio: "ignore",
        });
    }
    await project?.close();
    await s3?.stop();
    for (const dir of [checkout, tools]) if (dir) rmSync(dir, { recursive: true, force: true });
}, 20 * 60_000);

describe("the workflows, run here as written", () => {
    it("preview.yml: unit tests, a preview with the policy pack that writes its event log, and the review comment", async () => {
        const run = await job("preview.yml", "preview", { matrix: { stack: STACK } });
        expect(failures(run), explain(run)).toEqual([]);
        const events = readFileSync(join(checkout, `events-${STACK}.jsonl`), "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
        expect(events.some((e) => e.resourcePreEvent?.metadata?.op === "create")).toBe(true);
        expect(events.some((e) => e.summaryEvent)).toBe(true);
        const comment = posted(run);
        expect(comment.header).toBe(`preview-${STACK}`);
        expect(comment.body).toMatch(/to create/);
        expect(comment.body).not.toMatch(/mandatory/i);
    });

    it("preview.yml: a change that breaks a mandatory policy fails the unit tests and the preview; the comment names it", async () => {
        const backups = join(checkout, "components", "backups.ts");
        const original = readFileSync(backups, "utf8");
        expect(original).toContain('concurrencyPolicy: "Forbid"');
        writeFileSync(backups, original.replace('concurrencyPolicy: "Forbid"', 'concurrencyPolicy: "Allow"'));
        try {
            const run = await job("preview.yml", "preview", { matrix: { stack: STACK } });
            expect(run.ok).toBe(false);
            // The unit tests pin the policy verdict and fail first; the preview still runs, so the comment shows it.
            const unit = run.step("unit");
            expect(unit.outcome).toBe("failure");
            expect(unit.output).toMatch(/passes every mandatory and advisory policy on the staging stack/);
            const preview = run.step("Preview with the policy pack");
            expect(preview.outcome).toBe("failure");
            expect(preview.output).toContain("cronjob-forbid-and-deadlines");
            const review = run.step("review");
            expect([review.outcome, review.exitCode]).toEqual(["failure", 3]);
            expect(posted(run).body).toContain("cronjob-forbid-and-deadlines");
        } finally {
            writeFileSync(backups, original);
        }
    });

    it("deploy.yml: pulumi up with the policy pack applies the platform, and mcp-ops health reaches its servers from outside", async () => {
        // The repository's staging config names images of the user's registry, which cannot run here: from here on the
        // staging stack is this machine's cluster, with the images built here (a commit of its own, as a team would make).
        writeFileSync(join(checkout, `Pulumi.${STACK}.yaml`), stagingOnTheLocalCluster());
        commit(`${STACK} runs on this machine's local cluster`);
        const run = await job("deploy.yml", "staging");
        expect(failures(run), explain(run)).toEqual([]);
        const up = run.step(`pulumi up --stack ${STACK} --yes --policy-pack policy --message "deploy \${{ github.sha }}"`);
        expect(up.output).toMatch(/Resources:\s+\+ \d+ created/);
        const health = run.steps.at(-1)!;
        // The runner is outside the cluster: the servers answered through mcp-ops' own port-forwards.
        expect(health.output).toMatch(/^overall: HEALTHY/m);
        expect(health.output).toMatch(/HEALTHY\s+mcp-filesystem\s+rest ok \d+ ms\s+mcp ok/);
        expect(health.output).toMatch(/HEALTHY\s+mcp-memory\s+rest ok \d+ ms\s+mcp ok/);
    });

    it("mcp-ops changes the deployed stack with another Pulumi CLI version and no Go on PATH", async () => {
        const compat = execFileSync("bash", [join(REPO_ROOT, "scripts", "toolchain.sh"), "pulumi-compat"], { encoding: "utf8" }).trim();
        const path = withoutGo([join(REPO_ROOT, "node_modules", "node", "bin"), compat, ...(process.env.PATH ?? "").split(delimiter)]);
        const env: NodeJS.ProcessEnv = { ...process.env, ...backendEnv(), KUBECONFIG: kubeconfigPath(), PATH: path };
        env.MCP_PROJECT_DIR = checkout;
        delete env.MCP_PULUMI;
        expect(() => execFileSync("bash", ["-c", "command -v go"], { env })).toThrow();
        expect(execFileSync("pulumi", ["version"], { env, encoding: "utf8" }).trim()).toBe("v3.274.1");
        const scaled = JSON.parse(
            execFileSync("node", [join(checkout, "ops", "mcp-ops.js"), "scale", "router", "2", "--stack", STACK, "--yes", "--json"], {
                cwd: checkout,
                env,
                encoding: "utf8",
            }),
        );
        expect([scaled.outcome, scaled.verification]).toEqual(["applied", expect.stringContaining("router rolled out")]);
        expect(await kubectl(["get", "-n", NAMESPACE, "deployment/router", "-o", "jsonpath={.spec.replicas}"])).toBe("2");
    });

    it("mcp-ops tools lock reads each server's tools through a port-forward of its own and records them", async () => {
        const env: NodeJS.ProcessEnv = { ...process.env, ...backendEnv(), KUBECONFIG: kubeconfigPath(), MCP_PROJECT_DIR: checkout };
        env.MCP_PULUMI = project.pulumi;
        const out = execFileSync("node", [join(checkout, "ops", "mcp-ops.js"), "tools", "lock", "--stack", STACK, "--yes", "--json"], {
            cwd: checkout,
            env,
            encoding: "utf8",
        });
        expect(JSON.parse(out).outcome).toBe("applied");
        const stackFile = parseDocument(readFileSync(join(checkout, `Pulumi.${STACK}.yaml`), "utf8"));
        for (const server of ["mcp-filesystem", "mcp-memory"]) {
            const lock = stackFile.getIn(["config", "mcp:services", server, "toolLock"]) as { toJSON(): Record<string, unknown> };
            expect(Object.keys(lock.toJSON()).length, server).toBeGreaterThan(0);
        }
    });

    it("deploy.yml refuses to undo an operator's incident scale; with its branch merged it deploys unchanged", async () => {
        // The ops changes so far are merged, as a team would; an operator works in a clone of their own.
        commit("the earlier ops changes, merged");
        const operator = cloneOf("operator");
        const scaled = await opsIn(operator, "alice", [
            "scale",
            "router",
            "3",
            "--stack",
            STACK,
            "--yes",
            "--json",
            "--reason",
            "incident 42",
        ]);
        const branch = `mcp-ops/${STACK}/update-${scaled.version}-scale`;
        expect(scaled).toMatchObject({ outcome: "applied", git: { branch, pushedTo: "origin" } });
        expect(git("branch", "--list", branch).toString()).toContain(branch);

        // An unrelated change is merged and deployed: the deploy stops before pulumi up, naming the update and the branch.
        writeFileSync(join(checkout, "NOTES.md"), "an unrelated change\n");
        commit("an unrelated change");
        const refused = await job("deploy.yml", "staging");
        expect(failures(refused)).toEqual(["Live ops changes kept"]);
        const check = refused.step("Live ops changes kept");
        expect(check.exitCode).toBe(76);
        expect(check.output).toContain(`update ${scaled.version} (mcp-ops scale by alice at `);
        expect(check.output).toContain("services.router.replicas: live 3, this commit 2");
        expect(check.output).toContain(`merge branch ${branch}`);
        expect(refused.steps.filter((s) => s.name.startsWith("pulumi up")).map((s) => s.outcome)).toEqual(["skipped"]);
        expect(await routerReplicas()).toBe("3");

        // The ops branch merged: the same workflow deploys, and the update changes nothing.
        merge(branch);
        const deployed = await job("deploy.yml", "staging");
        expect(failures(deployed), explain(deployed)).toEqual([]);
        const up = deployed.steps.find((s) => s.name.startsWith("pulumi up"))!;
        expect(up.output).toMatch(/Resources:\s+\d+ unchanged/);
        expect(up.output).not.toMatch(/\d+ (created|updated|deleted|replaced)/);
    });

    it("two operators on two clones race: one change applies, the other is refused before its stack file is touched", async () => {
        const clones = [cloneOf("operator-bob"), cloneOf("operator-carol")];
        const before = clones.map(stackFileOf);
        const race = await Promise.all(
            clones.map((clone, i) =>
                runOpsIn(clone, `operator-${i}`, ["scale", "router", String(4 + i), "--stack", STACK, "--yes", "--json"]),
            ),
        );
        expect(race.map((r) => r.code).sort()).toEqual([0, 73]);
        const winner = race.findIndex((r) => r.code === 0);
        const loser = 1 - winner;
        expect(race[loser].stderr).toMatch(/stack staging is being updated by someone else \(mcp-ops on .+\)/);
        expect(stackFileOf(clones[loser])).toBe(before[loser]);
        const applied = JSON.parse(race[winner].stdout);
        expect(applied.outcome).toBe("applied");
        expect(await routerReplicas()).toBe(String(4 + winner));
        // The team merges the winner's branch, so later deploys keep its value.
        merge(applied.git.branch);
    });

    it("a change killed on one clone is recovered from another; the killed clone gets its stack file back", async () => {
        const killed = cloneOf("operator-lost-laptop");
        const other = cloneOf("operator-on-call");
        const before = stackFileOf(killed);
        const scale = (replicas: number) => ["scale", "router", String(replicas), "--stack", STACK, "--yes", "--json"];
        const child = spawn(process.execPath, [mcpOps(), ...scale(6)], {
            cwd: killed,
            env: opsEnv(killed, "dave"),
            stdio: "ignore",
            detached: true,
        });
        const exited = new Promise((resolve) => child.on("exit", resolve));
        // The whole process group (node and the Pulumi CLI) dies once its `pulumi up` runs, as a lost laptop would.
        await eventually("the change's pulumi up", async () => pulumiUpRunningIn(killed), Boolean, 120_000);
        process.kill(-child.pid!, "SIGKILL");
        await exited;

        const refused = await runOpsIn(other, "erin", scale(3));
        expect(refused.code).toBe(73);
        expect(refused.stderr).toContain(`was interrupted before it finished; run mcp-ops recover --stack ${STACK}`);
        const recovered = await opsIn(other, "erin", ["recover", "--stack", STACK, "--yes", "--json"]);
        expect(recovered.locksRemoved[0]).toMatch(/^change lock of mcp-ops on .+ in s3:\/\/[^/]+\/\.mcp-ops\//);
        expect(recovered.refreshed).toBe(true);
        const after = await opsIn(other, "erin", scale(3));
        expect(after.outcome).toBe("applied");
        expect(await routerReplicas()).toBe("3");
        merge(after.git.branch);

        // The killed clone still holds its unapplied edit: refused there until its own recover puts the file back.
        expect(stackFileOf(killed)).not.toBe(before);
        expect((await runOpsIn(killed, "dave", scale(2))).code).toBe(73);
        const local = await opsIn(killed, "dave", ["recover", "--stack", STACK, "--yes", "--json"]);
        expect(local.locksRemoved[0]).toMatch(/; stack file put back as it was before that change$/);
        expect(stackFileOf(killed)).toBe(before);
    });

    it("deploy.yml: the post-deploy health check fails, naming the server, when one is down", async () => {
        await kubectl(["scale", "-n", NAMESPACE, "deployment/mcp-filesystem", "--replicas=0"]);
        await kubectl(["wait", "-n", NAMESPACE, "--for=delete", "pod", "-l", "app.kubernetes.io/name=mcp-filesystem", "--timeout=120s"]);
        const run = await job("deploy.yml", "staging");
        expect(run.ok).toBe(false);
        const health = run.steps.at(-1)!;
        expect(health.outcome).toBe("failure");
        expect(health.output).toMatch(/mcp-filesystem.*no ready pod behind Service mcp-staging\/mcp-filesystem/);
        expect(failures(run)).toEqual([health.name]);
    });

    it("drift.yml: the scaled-down server is drift, reported as an issue with the diff", async () => {
        const run = await job("drift.yml", "drift", { matrix: { stack: STACK } });
        expect(failures(run), explain(run)).toEqual([]);
        expect(run.step("drift").outputs).toEqual({ drifted: "true" });
        const calls = readFileSync(ghCalls, "utf8");
        expect(calls).toContain("issue create --title Drift detected on staging --label drift --body");
        expect(calls).toMatch(/mcp-filesystem/);
        expect(calls).toMatch(/replicas/);
    });
});

/** Runs one job of a workflow in the checkout, with this machine's stand-ins for what GitHub provides. */
function job(file: string, name: string, o: Partial<JobOptions> = {}): Promise<JobRun> {
    return runJob(loadWorkflow(join(checkout, ".github", "workflows", file)), name, {
        workspace: checkout,
        runnerEnv: {
            ...machineEnv(),
            PATH: [
                commandStandIn(join(tools, "gh"), "gh", `echo "$*" >> ${ghCalls}; echo`),
                ...(process.env.PATH ?? "").split(delimiter),
            ].join(delimiter),
            TMPDIR: tools,
            // This machine reaches no Pulumi service: no update check.
            PULUMI_SKIP_UPDATE_CHECK: "true",
            // The runner's cloud credentials (OIDC on GitHub): here, the loopback S3 server's.
            ...s3.env,
        },
        vars: { PULUMI_BACKEND_URL: backendEnv().PULUMI_BACKEND_URL },
        secrets: {
            PULUMI_ACCESS_TOKEN: "",
            PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
            KUBECONFIG: readFileSync(kubeconfigPath(), "utf8"),
            [`KUBECONFIG_${STACK.toUpperCase()}`]: readFileSync(kubeconfigPath(), "utf8"),
        },
        github: { sha: "0123abc", event: { pull_request: { number: 1 } }, token: "" },
        actions: ACTIONS,
        onOutput: process.env.E2E_VERBOSE ? (step, chunk) => process.stdout.write(`[${step.slice(0, 30)}] ${chunk}`) : undefined,
        ...o,
    });
}

/** Local stand-ins for the actions the workflows use; each checks the inputs the workflow gives it. */
const ACTIONS: Record<string, ActionStandIn> = {
    // The runner starts in the checkout the test made of the project's files.
    "actions/checkout": async (_inputs, { workspace }) => {
        if (!existsSync(join(workspace, "package.json"))) throw new Error("no checkout");
        return {};
    },
    // Node.js of the asked major version: the one the project pins as a dev dependency.
    "actions/setup-node": async (inputs) => {
        const bin = join(REPO_ROOT, "node_modules", "node", "bin");
        const version = execFileSync(join(bin, "node"), ["--version"], { encoding: "utf8" }).trim();
        if (!version.startsWith(`v${inputs["node-version"]}.`)) throw new Error(`node-version ${inputs["node-version"]}: have ${version}`);
        return { path: [bin] };
    },
    // The Pulumi CLI as its release archive lays it out: the CLI with the Node.js language host beside it.
    "pulumi/actions": async () => ({ path: [pulumiDir()] }),
    "marocchino/sticky-pull-request-comment": async (inputs, { workspace }) => {
        const body = readFileSync(join(workspace, inputs.path), "utf8");
        if (!body.trim()) throw new Error(`${inputs.path} is empty`);
        writeFileSync(join(tools, "comment.json"), JSON.stringify({ header: inputs.header, body }));
        return {};
    },
};

function posted(run: JobRun): { header: string; body: string } {
    expect(run.step("Comment on the pull request").outcome).toBe("success");
    return JSON.parse(readFileSync(join(tools, "comment.json"), "utf8"));
}

const failures = (run: JobRun) => run.steps.filter((s) => s.outcome === "failure").map((s) => s.name);
const explain = (run: JobRun) =>
    run.steps
        .filter((s) => s.outcome === "failure")
        .map((s) => `${s.name}:\n${s.output.slice(-4000)}`)
        .join("\n\n");

function pulumiDir(): string {
    const dir = join(tools, "pulumi", "bin");
    if (!existsSync(join(dir, "pulumi"))) {
        mkdirSync(dir, { recursive: true });
        copyFileSync(realpathSync(project.pulumi), join(dir, "pulumi"));
        copyFileSync(languageHostFor(project.pulumi), join(dir, "pulumi-language-nodejs"));
    }
    return dir;
}

const pulumiPath = () => [pulumiDir(), join(REPO_ROOT, "node_modules", "node", "bin"), process.env.PATH ?? ""].join(delimiter);
const kubeconfigPath = () => join(project.dir, ".local", "cluster", "kubeconfig");
const backendEnv = () => ({ PULUMI_BACKEND_URL: s3.backendUrl, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, ...s3.env });

/**
 * The machine's own environment (its CA bundle, proxies, locale) as a runner has it, without what
 * belongs to this test process: its cluster, its Pulumi and backend settings, npm's and vitest's.
 */
function machineEnv(): NodeJS.ProcessEnv {
    const own = /^(KUBECONFIG$|MCP_|PULUMI_|VITEST|npm_|NODE_OPTIONS$|INIT_CWD$)/;
    return Object.fromEntries(Object.entries(process.env).filter(([key]) => !own.test(key)));
}

const withoutGo = (dirs: string[]) => dirs.filter((d) => d && !existsSync(join(d, "go"))).join(delimiter);

/** The local stack's config as the staging stack: the same images and placement, its own namespace, the staging stack's salt. */
function stagingOnTheLocalCluster(): string {
    const staging = parseDocument(readFileSync(join(checkout, `Pulumi.${STACK}.yaml`), "utf8"));
    const doc = parseDocument(readFileSync(join(REPO_ROOT, "Pulumi.local.yaml"), "utf8"));
    doc.setIn(["config", "mcp:environment"], "staging");
    doc.setIn(["config", "mcp:namespace"], NAMESPACE);
    doc.setIn(["config", "mcp:tls", "dnsNames"], [`gateway.${NAMESPACE}.svc.cluster.local`]);
    doc.set("encryptionsalt", staging.get("encryptionsalt"));
    return doc.toString();
}

const routerReplicas = () => kubectl(["get", "-n", NAMESPACE, "deployment/router", "-o", "jsonpath={.spec.replicas}"]);
const stackFileOf = (clone: string) => readFileSync(join(clone, `Pulumi.${STACK}.yaml`), "utf8");
const mcpOps = () => join(checkout, "ops", "mcp-ops.js");

/** An operator's own clone of the team's repository (the checkout is its remote, `origin`). */
function cloneOf(name: string): string {
    const clone = join(tools, name);
    execFileSync("git", ["clone", "--quiet", checkout, clone]);
    return clone;
}

/** A branch an ops change pushed to the checkout, merged there as the team merges its pull request. */
const merge = (branch: string) => git("-c", "user.name=e2e", "-c", "user.email=e2e@localhost", "merge", "--quiet", "--no-edit", branch);

/** What an operator's shell has: the team's backend, the cluster, the Pulumi CLI, and who they are. */
function opsEnv(clone: string, actor: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, ...backendEnv(), KUBECONFIG: kubeconfigPath(), MCP_PROJECT_DIR: clone };
    env.MCP_PULUMI = project.pulumi;
    env.MCP_OPS_ACTOR = actor;
    return env;
}

/** Runs mcp-ops in an operator's clone; its exit code and output. */
function runOpsIn(clone: string, actor: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [mcpOps(), ...args],
            { cwd: clone, env: opsEnv(clone, actor), timeout: 600_000 },
            (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
    });
}

/** Runs mcp-ops --json in an operator's clone and returns its result; a failure fails the test with its output. */
async function opsIn(clone: string, actor: string, args: string[]) {
    const run = await runOpsIn(clone, actor, args);
    if (run.code !== 0) throw new Error(`mcp-ops ${args.join(" ")} exited ${run.code}:\n${run.stderr}`);
    return JSON.parse(run.stdout);
}

/** Whether a `pulumi up` runs with this directory as its working directory (the Automation API runs it in the project). */
function pulumiUpRunningIn(dir: string): boolean {
    const wanted = realpathSync(dir);
    for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
        try {
            const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
            if (basename(args[0]) === "pulumi" && args.includes("up") && realpathSync(`/proc/${pid}/cwd`) === wanted) return true;
        } catch {
            // The process ended while it was looked at.
        }
    }
    return false;
}

const git = (...args: string[]) => execFileSync("git", args, { cwd: checkout, stdio: "pipe" });
function commit(message: string): void {
    git("add", "--all");
    git("-c", "user.name=e2e", "-c", "user.email=e2e@localhost", "commit", "--quiet", "--allow-empty", "-m", message);
}

/** The project's files as a clone has them (tracked, and new files not ignored: the work at hand), without node_modules. */
function copyProject(to: string): void {
    const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: REPO_ROOT, encoding: "utf8" })
        .split("\0")
        .filter((f) => f && existsSync(join(REPO_ROOT, f)));
    for (const file of files) {
        mkdirSync(dirname(join(to, file)), { recursive: true });
        copyFileSync(join(REPO_ROOT, file), join(to, file));
    }
}
