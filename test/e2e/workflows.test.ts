import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { parseDocument } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ActionStandIn, commandStandIn, type JobOptions, type JobRun, loadWorkflow, runJob } from "../support/workflowRunner";
import { type Kubectl, kubectlFor } from "../support/kubectl";
import { REPO_ROOT } from "../support/platform";
import { languageHostFor } from "./languageHost";
import { type E2eProject, e2eProject } from "./support";

/**
 * CI's path, as written: the runner reads .github/workflows/{preview,deploy,drift}.yml from a
 * checkout of the project and runs their steps. What GitHub provides is replaced by local
 * equivalents: the state backend is a file backend (the workflows' PULUMI_BACKEND_URL variable),
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

beforeAll(async () => {
    project = await e2eProject();
    kubectl = kubectlFor(join(project.dir, ".local", "cluster"));
    checkout = mkdtempSync(join(tmpdir(), "mcp-checkout-"));
    tools = mkdtempSync(join(tmpdir(), "mcp-runner-tools-"));
    ghCalls = join(tools, "gh-calls.log");
    copyProject(checkout);
    git("init", "--quiet", "--initial-branch=main");
    commit("the commit under test");
    // Done once by whoever sets the stack up, before any workflow runs (a passphrase backend records its salt in the stack file).
    mkdirSync(join(tools, "state"));
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
const backendEnv = () => ({ PULUMI_BACKEND_URL: `file://${join(tools, "state")}`, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE });

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
