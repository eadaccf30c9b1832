/**
 * npm run bench:scale — the local stack with N extra MCP servers (N = 10, 50, 200; BENCH_SCALE_SIZES
 * overrides): preview, create, a no-change preview and up, an ops change and destroy, each timed on
 * one private local cluster in one run. The create (at the platform's parallelism) is set beside
 * the same create at the engine's default, and beside the same create with the engine's state
 * writes after each step skipped (PULUMI_SKIP_CHECKPOINTS): not how the platform runs, since a
 * killed update would then leave what it created unrecorded, but the measure of what those writes
 * cost at each size. The ops change (`mcp-ops scale router …`) is set beside the same config change
 * applied by a bare whole-stack update and by a bare update with the command's own targets. The
 * no-change preview and the ops change are also timed without the Pulumi CLI's automatic debug log,
 * the other engine cost that grows with the stack (see homeWithoutAutomaticLog). The extra servers
 * sit on the simulated nodes (test/e2e/fleet.ts). Nothing is asserted; each row prints as soon as
 * it is measured.
 */
import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { ChangeScope } from "../ops/plan/scope";
import { ENGINE_PARALLELISM } from "../ops/stack/environment";
import { summarizeEvents } from "../ops/review/summarize";
import { withExtraServers } from "../test/e2e/fleet";
import { privatePulumiHome, userPulumiHome } from "../test/support/pulumiHome";
import { e2eProject, type E2eProject } from "../test/e2e/support";

const SIZES = (process.env.BENCH_SCALE_SIZES ?? "10,50,200").split(",").map(Number);

interface Row {
    servers: number;
    resources: number;
    previewMs: number;
    createMs: number;
    /** The same create at the engine's own default parallelism (4 per CPU): the create's baseline. */
    defaultCreateMs: number;
    /** The same create with the engine's per-step state writes skipped: what those writes cost. */
    uncheckpointedCreateMs: number;
    noChangePreviewMs: number;
    noChangeUpMs: number;
    /** The same no-change preview with the CLI's automatic debug log unavailable. */
    noLogPreviewMs: number;
    changeMs: number;
    /** The same ops change, from the same starting point, with the CLI's automatic debug log unavailable. */
    noLogChangeMs: number;
    bareFullMs: number;
    bareTargetedMs: number;
    destroyMs: number;
}

const timed = async (run: () => Promise<unknown>): Promise<number> => {
    const started = Date.now();
    await run();
    return Date.now() - started;
};

/** Runs with these variables in the environment the stack's CLI calls inherit, restored afterwards. */
async function withEnvironment<T>(vars: Record<string, string>, run: () => Promise<T>): Promise<T> {
    const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
    Object.assign(process.env, vars);
    try {
        return await run();
    } finally {
        for (const [name, value] of Object.entries(saved)) {
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
        }
    }
}

/** No state write after each step: for what the bench throws away, and for the reference create. */
const SKIP_CHECKPOINTS = { PULUMI_SKIP_CHECKPOINTS: "true" };

/** A create under these engine settings, timed, then destroyed (untimed, so without per-step state writes). */
async function createWith(project: E2eProject, vars: Record<string, string>, message: string): Promise<number> {
    const ms = await withEnvironment(vars, async () => {
        // A stack opened reads PULUMI_PARALLEL from the environment; the CLI calls inherit the rest.
        const stack = await project.stack();
        return timed(() => stack.up(message));
    });
    await withEnvironment(SKIP_CHECKPOINTS, async () => (await project.stack()).stack.destroy());
    return ms;
}

/**
 * A Pulumi home in which the CLI cannot create its automatic debug log: `logs` is a file, so the
 * CLI goes on without one (it says so at Info level). CLI 3.259 to 3.276 write that log for every
 * command at the detail of `-v=10`, property values included, gzipped and encrypted, and no setting
 * turns it off. A reference for what it costs; the platform leaves a user's home as it is.
 */
function homeWithoutAutomaticLog(): { home: string; remove: () => void } {
    const home = privatePulumiHome(userPulumiHome());
    writeFileSync(join(home.home, "logs"), "");
    return home;
}

async function measure(project: E2eProject, extra: number, base: string, noLogHome: string): Promise<Row> {
    const file = join(project.dir, "Pulumi.local.yaml");
    writeFileSync(file, withExtraServers(extra, base));
    const defaultCreateMs = await createWith(
        project,
        { PULUMI_PARALLEL: String(4 * availableParallelism()) },
        `bench: create with ${extra} extra servers, engine default parallelism`,
    );
    const uncheckpointedCreateMs = await createWith(project, SKIP_CHECKPOINTS, `bench: create with ${extra} extra servers, no checkpoints`);
    const stack = await project.stack();
    const previewMs = await timed(() => stack.previewEvents());
    const createMs = await timed(() => stack.up(`bench: create with ${extra} extra servers`));
    const resources = (await stack.stack.exportStack()).deployment.resources.length;
    const noChangePreviewMs = await timed(async () => {
        const changes = summarizeEvents(await stack.previewEvents()).changes;
        if (changes.length > 0) throw new Error(`a second preview still changes ${changes.length} resources`);
    });
    const noChangeUpMs = await timed(() => stack.up("bench: no change"));
    const noLogPreviewMs = await withEnvironment({ PULUMI_HOME: noLogHome }, () => timed(() => stack.previewEvents()));

    const before = project.stackFile();
    const scale = async (env: Record<string, string> = {}) => {
        const run = await project.cli(["scale", "router", "2", "--yes", "--json"], env);
        const result = JSON.parse(run.stdout || "{}") as { outcome?: string; scope?: ChangeScope };
        if (run.code !== 0 || result.outcome !== "applied" || !result.scope) {
            throw new Error(`mcp-ops scale router 2 did not apply as a scoped change: ${run.stderr}`);
        }
        return { ms: run.ms, scope: result.scope };
    };
    const change = await scale();
    const after = project.stackFile();
    // Each baseline applies the same config change from the same starting point.
    const bare = async (scope?: ChangeScope) => {
        writeFileSync(file, before);
        await stack.up("baseline: the change reversed");
        writeFileSync(file, after);
        return timed(() => stack.up("baseline: the same change, bare", scope));
    };
    const bareFullMs = await bare();
    const bareTargetedMs = await bare(change.scope);
    writeFileSync(file, before);
    await stack.up("baseline: the change reversed");
    const noLogChangeMs = (await scale({ PULUMI_HOME: noLogHome })).ms;

    const destroyMs = await timed(() => stack.stack.destroy());
    return {
        servers: extra,
        resources,
        previewMs,
        createMs,
        defaultCreateMs,
        uncheckpointedCreateMs,
        noChangePreviewMs,
        noChangeUpMs,
        noLogPreviewMs,
        changeMs: change.ms,
        noLogChangeMs,
        bareFullMs,
        bareTargetedMs,
        destroyMs,
    };
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const HEADER =
    `servers | resources | preview (ms/resource) | create at parallelism ${ENGINE_PARALLELISM} (ms/resource) | ` +
    "create at the engine's default (ratio) | create without per-step state writes (ratio) | no-change preview / up | " +
    "no-change preview without the CLI's automatic log (ratio) | mcp-ops scale | bare full up | bare targeted up | vs full | " +
    "vs targeted | mcp-ops scale without the CLI's automatic log (ratio) | destroy";

function print(rows: Row[]): void {
    for (const r of rows) {
        console.log(
            [
                String(r.servers).padStart(7),
                String(r.resources).padStart(9),
                `${s(r.previewMs)} (${(r.previewMs / r.resources).toFixed(1)})`.padStart(21),
                `${s(r.createMs)} (${(r.createMs / r.resources).toFixed(0)})`.padStart(20),
                `${s(r.defaultCreateMs)} (${(r.createMs / r.defaultCreateMs).toFixed(2)}x)`.padStart(42),
                `${s(r.uncheckpointedCreateMs)} (${(r.createMs / r.uncheckpointedCreateMs).toFixed(2)}x)`.padStart(49),
                `${s(r.noChangePreviewMs)} / ${s(r.noChangeUpMs)}`.padStart(22),
                `${s(r.noLogPreviewMs)} (${(r.noChangePreviewMs / r.noLogPreviewMs).toFixed(2)}x)`.padStart(57),
                s(r.changeMs).padStart(13),
                s(r.bareFullMs).padStart(12),
                s(r.bareTargetedMs).padStart(16),
                `${(r.changeMs / r.bareFullMs).toFixed(2)}x`.padStart(7),
                `${(r.changeMs / r.bareTargetedMs).toFixed(2)}x`.padStart(11),
                `${s(r.noLogChangeMs)} (${(r.changeMs / r.noLogChangeMs).toFixed(2)}x)`.padStart(54),
                s(r.destroyMs).padStart(7),
            ].join(" | "),
        );
    }
}

async function main(): Promise<void> {
    console.log("starting a private local cluster ...");
    const project = await e2eProject();
    const noLog = homeWithoutAutomaticLog();
    try {
        const base = project.stackFile();
        const rows: Row[] = [];
        for (const extra of SIZES) {
            console.log(`${extra} extra MCP servers ...`);
            rows.push(await measure(project, extra, base, noLog.home));
            console.log(HEADER);
            print(rows.slice(-1));
        }
        console.log(`\nall sizes:\n${HEADER}`);
        print(rows);
    } finally {
        noLog.remove();
        await project.close();
    }
}

main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
