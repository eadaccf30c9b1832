import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { type KubeClient, kubeConfigFrom, loadKubeClient, localKubeconfigPath } from "../../ops/kube/client";
import type { ChangeScope } from "../../ops/plan/scope";
import { type AutomationStack, openStack } from "../../ops/stack/automation";
import { ensureFileBackend, stackEnvironment } from "../../ops/stack/environment";
import { platformProgram } from "../../platform/program";
import { buildImages, defaultOptions as defaultImageOptions, imagesToRefresh } from "../../images/build";
import { pulumiCliForTests } from "../support/opsProject";
import { REPO_ROOT } from "../support/platform";

export const NAMESPACE = "mcp-system";

export interface CliRun {
    code: number;
    stdout: string;
    stderr: string;
    ms: number;
}

/** The kinds whose objects the suite follows by UID. */
export type Kube = {
    apps: InstanceType<KubeClient["AppsV1Api"]>;
    core: InstanceType<KubeClient["CoreV1Api"]>;
    networking: InstanceType<KubeClient["NetworkingV1Api"]>;
    policy: InstanceType<KubeClient["PolicyV1Api"]>;
    autoscaling: InstanceType<KubeClient["AutoscalingV2Api"]>;
};

export interface E2eProject {
    dir: string;
    /** The Pulumi CLI the suite runs. */
    pulumi: string;
    stackFile(): string;
    /** The real `mcp-ops` executable as a user runs it: no KUBECONFIG exported, the project as working directory. */
    cli(args: string[], extraEnv?: Record<string, string>): Promise<CliRun>;
    /** Starts `mcp-ops` in its own process group, for tests that kill it. */
    spawnCli(args: string[]): ChildProcess;
    /**
     * The stack through the Automation API, running the platform program in-process (a bare
     * `pulumi up`); with `delayMs`, the program waits that long first, holding the engine's lock.
     */
    stack(delayMs?: number): Promise<AutomationStack>;
    kube: Kube;
    close(): Promise<void>;
}

function cliEnv(dir: string, pulumi: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, MCP_PROJECT_DIR: dir, MCP_PULUMI: pulumi, MCP_OPS_ACTOR: "e2e", NO_COLOR: "1" };
    delete env.KUBECONFIG;
    return env;
}

function runScript(script: string, command: string, env: NodeJS.ProcessEnv): Promise<void> {
    return new Promise((resolve, reject) =>
        execFile(
            "bash",
            [join(REPO_ROOT, "scripts", script), ...command.split(" ")],
            { env, timeout: 30 * 60_000, maxBuffer: 16 * 2 ** 20 },
            (error, stdout, stderr) => (error ? reject(new Error(`${script} ${command} failed: ${stdout}${stderr}`)) : resolve()),
        ),
    );
}

/**
 * A copy of the project (Pulumi.yaml and the local stack file) with its own file backend and its
 * own local cluster in `<dir>/.local/cluster`, exactly where ops commands look for it.
 */
export async function e2eProject(): Promise<E2eProject> {
    delete process.env.KUBECONFIG;
    const dir = mkdtempSync(join(tmpdir(), "mcp-e2e-"));
    copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    copyFileSync(join(REPO_ROOT, "Pulumi.local.yaml"), join(dir, "Pulumi.local.yaml"));
    const clusterEnv = { ...process.env, MCP_CLUSTER_DIR: join(dir, ".local", "cluster") };
    // The local stack runs its stores, MCP servers, prober and backup jobs on the real node, from images built here.
    await buildImages({ ...defaultImageOptions(), names: imagesToRefresh(defaultImageOptions().outDir) });
    await runScript("cluster.sh", "up --real", clusterEnv);
    const pulumi = pulumiCliForTests();
    const envVars = stackEnvironment(dir, "local", {});
    ensureFileBackend(envVars.PULUMI_BACKEND_URL);
    const ws = await LocalWorkspace.create({
        workDir: dir,
        pulumiCommand: await PulumiCommand.get({ root: dirname(dirname(pulumi)) }),
        envVars,
    });
    await ws.createStack("local");

    const client = await loadKubeClient();
    const kc = await kubeConfigFrom(localKubeconfigPath(dir));
    const env = cliEnv(dir, pulumi);
    const mcpOps = [join(REPO_ROOT, "ops", "mcp-ops.js")];
    return {
        dir,
        pulumi,
        stackFile: () => readFileSync(join(dir, "Pulumi.local.yaml"), "utf8"),
        cli(args, extraEnv = {}) {
            const started = Date.now();
            return new Promise((resolve) =>
                execFile(
                    process.execPath,
                    [...mcpOps, ...args],
                    { cwd: dir, env: { ...env, ...extraEnv }, timeout: 10 * 60_000, maxBuffer: 64 * 2 ** 20 },
                    (error, stdout, stderr) =>
                        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, ms: Date.now() - started }),
                ),
            );
        },
        spawnCli: (args) => spawn(process.execPath, [...mcpOps, ...args], { cwd: dir, env, stdio: "ignore", detached: true }),
        stack: (delayMs = 0) =>
            openStack({
                projectDir: dir,
                stack: "local",
                pulumi,
                program: async () => {
                    await new Promise((r) => setTimeout(r, delayMs));
                    return platformProgram();
                },
            }),
        kube: {
            apps: kc.makeApiClient(client.AppsV1Api),
            core: kc.makeApiClient(client.CoreV1Api),
            networking: kc.makeApiClient(client.NetworkingV1Api),
            policy: kc.makeApiClient(client.PolicyV1Api),
            autoscaling: kc.makeApiClient(client.AutoscalingV2Api),
        },
        async close() {
            await runScript("cluster.sh", "down", clusterEnv).catch(() => undefined);
            rmSync(dir, { recursive: true, force: true });
        },
    };
}

export interface MeasuredChange {
    /** The command's run: exit code, output, wall time. */
    run: CliRun;
    /** Its JSON result (a RunResult), when it applied. */
    result?: { outcome: string; settled?: string; version?: number; scope?: ChangeScope };
    /** A bare `pulumi up` of the same config change, through the Automation API in this process. */
    bareUpMs?: number;
    /** The bare up plus the refreshing up it needs when the change settles (an HPA removed), both timed. */
    bareSettledMs?: number;
}

/**
 * Runs `mcp-ops <args> --yes --json`, then times a bare `pulumi up` of the same config change:
 * the stack file is put back and brought up, then the command's file is brought up again and
 * timed. The stack ends as the command left it.
 */
export async function measureChange(
    project: E2eProject,
    stack: AutomationStack,
    args: string[],
    /** Runs after the command, before any baseline update: what the command left is still there to look at. */
    afterCommand?: (result: NonNullable<MeasuredChange["result"]>) => Promise<void>,
): Promise<MeasuredChange> {
    const file = join(project.dir, "Pulumi.local.yaml");
    const before = project.stackFile();
    const run = await project.cli([...args, "--yes", "--json"]);
    if (run.code !== 0) return { run };
    // A rotation prints one result per phase it ran.
    const printed = JSON.parse(run.stdout) as NonNullable<MeasuredChange["result"]> | Array<NonNullable<MeasuredChange["result"]>>;
    const result = Array.isArray(printed) ? printed[printed.length - 1] : printed;
    await afterCommand?.(result);
    const after = project.stackFile();
    writeFileSync(file, before);
    await stack.up("baseline: the same change, reversed");
    writeFileSync(file, after);
    const started = Date.now();
    await stack.up("baseline: a bare up of the same config change");
    const bareUpMs = Date.now() - started;
    // A bare up that removes an HPA races it as the command's first update does; settle as the command did.
    if (result.settled) await stack.upWithRefresh("baseline: settle the bare up");
    return { run, result, bareUpMs, bareSettledMs: Date.now() - started };
}

/** UIDs of the platform's objects: a replaced object gets a new one. */
export async function liveUids(kube: Kube): Promise<Record<string, string>> {
    const namespace = NAMESPACE;
    const lists = await Promise.all([
        kube.apps
            .listNamespacedDeployment({ namespace })
            .then((l) => l.items.map((o) => [`Deployment/${o.metadata!.name}`, o.metadata!.uid!])),
        kube.apps
            .listNamespacedStatefulSet({ namespace })
            .then((l) => l.items.map((o) => [`StatefulSet/${o.metadata!.name}`, o.metadata!.uid!])),
        kube.core
            .listNamespacedConfigMap({ namespace })
            .then((l) => l.items.map((o) => [`ConfigMap/${o.metadata!.name}`, o.metadata!.uid!])),
        kube.core.listNamespacedSecret({ namespace }).then((l) => l.items.map((o) => [`Secret/${o.metadata!.name}`, o.metadata!.uid!])),
        kube.core.listNamespacedService({ namespace }).then((l) => l.items.map((o) => [`Service/${o.metadata!.name}`, o.metadata!.uid!])),
    ]);
    return Object.fromEntries(lists.flat());
}

/**
 * Each Deployment's revision. The controller bumps it whenever the pod template changes, also when
 * a change returns to an earlier template and an old ReplicaSet is scaled back up: a new revision
 * means the pods rolled.
 */
export async function revisions(kube: Kube): Promise<Record<string, string>> {
    const deployments = await kube.apps.listNamespacedDeployment({ namespace: NAMESPACE });
    return Object.fromEntries(
        deployments.items.map((d) => [d.metadata!.name!, d.metadata?.annotations?.["deployment.kubernetes.io/revision"] ?? "0"]),
    );
}

/** Polls until `check` holds, or fails with what it last saw. */
export async function eventually<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await read();
        if (check(value)) return value;
        if (Date.now() > deadline)
            throw new Error(`${what} did not happen in ${timeoutMs / 1000}s; last seen: ${JSON.stringify(value).slice(0, 500)}`);
        await new Promise((r) => setTimeout(r, 500));
    }
}

export const notFound = (error: unknown) => (error as { code?: number }).code === 404;

/**
 * Kills a process and everything it started, like a machine losing power would: the engine's
 * plugins run in process groups of their own and would otherwise outlive a killed `pulumi`.
 */
export function killTree(pid: number): void {
    const table = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" })
        .trim()
        .split("\n")
        .map((line) => line.trim().split(/\s+/).map(Number));
    const tree = [pid];
    for (let i = 0; i < tree.length; i++) for (const [child, parent] of table) if (parent === tree[i]) tree.push(child);
    for (const member of tree) {
        try {
            process.kill(member, "SIGKILL");
        } catch {
            // Already gone.
        }
    }
}
