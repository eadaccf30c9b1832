/**
 * The embedded default, end to end:
 *   npm run local:up     toolchain, images, local cluster with its real node, `pulumi up` of the local stack,
 *                        then what runs
 *   npm run local:down   destroy the stack and stop the cluster
 *   npm run local:status what runs
 * The stack's state lives in .pulumi-state/ (gitignored), protected by a local-only passphrase.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { loadKubeClient, kubeConfigFrom, localKubeconfigPath } from "../ops/kube/client";
import { SIMULATED_NOTE } from "../ops/kube/simulated";
import { workloadReadiness } from "../ops/health/workloads";
import { ensureFileBackend, PROJECT_NAME, stackEnvironment } from "../ops/stack/environment";
import { platformProgram } from "../platform/program";
import { installPlugins, missingPlugins, missingPluginsMessage } from "../ops/stack/plugins";
import { buildImages, defaultOptions as defaultImageOptions, imagesToRefresh } from "../images/build";

const repo = join(__dirname, "..");
const kubeconfig = localKubeconfigPath(repo);
const STACK = "local";

function step(text: string) {
    console.log(`\n== ${text}`);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
    return execFileSync(command, args, { cwd: repo, env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

async function up() {
    const started = Date.now();
    step("toolchain (built from pinned Go modules; cached after the first run)");
    const bin = run("bash", [join(repo, "scripts", "toolchain.sh"), "all"]).trim();
    step("images (built here from Debian and npm packages: the missing ones, and mcp-ops with the code at hand)");
    await buildImages({ ...defaultImageOptions(), names: imagesToRefresh(defaultImageOptions().outDir) });
    step("local cluster (control plane, one real node, two simulated nodes)");
    execFileSync("bash", [join(repo, "scripts", "cluster.sh"), "up", "--real"], { stdio: "inherit" });

    step(`stack "${STACK}" (file backend in .pulumi-state/)`);
    const envVars: Record<string, string> = { ...stackEnvironment(repo, STACK), KUBECONFIG: kubeconfig };
    ensureFileBackend(envVars.PULUMI_BACKEND_URL);
    const pulumiCommand = await PulumiCommand.get({ root: dirname(bin) });
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: STACK, projectName: PROJECT_NAME, program: platformProgram },
        { workDir: repo, pulumiCommand, envVars },
    );

    step("provider plugins (installed once with pulumi plugin install)");
    const pulumi = join(bin, "pulumi");
    const cliEnv = { ...process.env, ...envVars };
    const missing = missingPlugins(pulumi, cliEnv);
    const failed = missing.length > 0 ? installPlugins(pulumi, cliEnv, missing, console.log) : [];
    if (failed.length > 0) {
        console.error(
            `\nlocal:up cannot deploy yet: ${missingPluginsMessage(pulumi, failed)}\nThe cluster stays up: npm run local:status.`,
        );
        process.exitCode = 69;
        return;
    }
    console.log(missing.length > 0 ? "installed" : "already installed");

    step("pulumi up");
    // Refresh first: the local cluster is a playground, and objects changed or deleted by hand there must not stop the deploy.
    const result = await stack.up({ message: "local:up", refresh: true, onOutput: (out) => process.stdout.write(out) });
    console.log(`\nupdate ${result.summary.result} in ${Math.round((Date.now() - started) / 1000)}s`);
    await status(Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value])));
    // mcp-ops runs the Pulumi CLI on PATH; this machine's may be only the toolchain's.
    console.log(`\nops commands on this stack: MCP_PULUMI=${pulumi} npx mcp-ops <command> --stack ${STACK} (npx mcp-ops --help)`);
}

/** What runs: workloads and readiness, services, HPAs, CronJobs, certificates, stack outputs. */
async function status(outputs?: Record<string, unknown>) {
    if (!existsSync(kubeconfig)) {
        console.log("the local cluster is not running; start it with: npm run local:up");
        return;
    }
    const k8s = await loadKubeClient();
    const kc = await kubeConfigFrom(kubeconfig);
    const namespace = "mcp-system";
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const table = (title: string, rows: string[]) =>
        console.log(`\n${title}\n${rows.length ? rows.map((r) => `  ${r}`).join("\n") : "  (none)"}`);

    // A list the API server does not answer shows as empty: this is a status screen, not a check.
    const orNone = <T>(list: Promise<{ items: T[] }>) => list.catch(() => ({ items: [] as T[] }));
    const [services, hpas, cronJobs] = await Promise.all([
        orNone(core.listNamespacedService({ namespace })),
        orNone(autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace })),
        orNone(batch.listNamespacedCronJob({ namespace })),
    ]);
    const workloads = await workloadReadiness(kubeconfig, namespace).catch(() => []);
    table(
        "workloads (ready/desired)",
        workloads.map((w) => `${w.kind.toLowerCase()}/${w.name}  ${w.ready}/${w.desired}${w.simulated ? "  (simulated)" : ""}`),
    );
    if (workloads.some((w) => w.simulated)) console.log(`  note: ${SIMULATED_NOTE}; health checks and backups need real pods`);
    table(
        "services",
        services.items.map((s) => `${s.metadata?.name}  ${(s.spec?.ports ?? []).map((p) => `${p.name}:${p.port}`).join(" ")}`),
    );
    table(
        "autoscalers",
        hpas.items.map(
            (h) => `${h.metadata?.name}  ${h.spec?.minReplicas}-${h.spec?.maxReplicas} (current ${h.status?.currentReplicas ?? "?"})`,
        ),
    );
    table(
        "backup schedules",
        cronJobs.items.map((c) => `${c.metadata?.name}  "${c.spec?.schedule}"  last success ${c.status?.lastSuccessfulTime ?? "never"}`),
    );
    const certificates = (await custom
        .listNamespacedCustomObject({ group: "cert-manager.io", version: "v1", namespace, plural: "certificates" })
        .catch(() => ({ items: [] }))) as {
        items: Array<{ metadata: { name: string }; spec: { dnsNames?: string[]; renewBefore?: string } }>;
    };
    table(
        "certificates",
        certificates.items.map((c) => `${c.metadata.name}  ${c.spec.dnsNames?.join(",")}  renew ${c.spec.renewBefore} before expiry`),
    );
    if (outputs) console.log(`\nstack outputs\n${JSON.stringify(outputs, null, 2)}`);
}

async function down() {
    if (existsSync(join(repo, ".pulumi-state"))) {
        step(`destroy stack "${STACK}"`);
        try {
            const bin = run("bash", [join(repo, "scripts", "toolchain.sh"), "pulumi"]).trim();
            const envVars: Record<string, string> = { ...stackEnvironment(repo, STACK), KUBECONFIG: kubeconfig };
            const stack = await LocalWorkspace.selectStack(
                { stackName: STACK, projectName: PROJECT_NAME, program: platformProgram },
                { workDir: repo, pulumiCommand: await PulumiCommand.get({ root: dirname(bin) }), envVars },
            );
            await stack.destroy({ onOutput: (out) => process.stdout.write(out) });
        } catch (error) {
            console.error(`destroy did not complete: ${(error as Error).message.split("\n")[0]}`);
        }
    }
    step("local cluster");
    execFileSync("bash", [join(repo, "scripts", "cluster.sh"), "down"], { stdio: "inherit" });
}

const commands: Record<string, () => Promise<void>> = { up, down, status: () => status() };
const command = commands[process.argv[2] ?? ""];
if (!command) {
    console.error("usage: tsx scripts/local.ts up|down|status");
    process.exitCode = 64;
} else {
    command().catch((error) => {
        console.error(error instanceof Error ? error.message : error);
        process.exitCode = 1;
    });
}
