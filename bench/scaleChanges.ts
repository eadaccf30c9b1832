/**
 * npm run bench:scale — the local stack with N extra MCP servers (N = 10, 50, 200; BENCH_SCALE_SIZES
 * overrides): preview, create, a no-change preview and up, an ops change and destroy, each timed on
 * one private local cluster in one run. The create (at the platform's parallelism) is set beside
 * the same create at the engine's default; the ops change (`mcp-ops scale router …`) beside the
 * same config change applied by a bare whole-stack update and by a bare update with the command's
 * own targets. The extra servers sit on the simulated nodes (test/e2e/fleet.ts). Nothing is
 * asserted; each row prints as soon as it is measured.
 */
import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { ChangeScope } from "../ops/plan/scope";
import { ENGINE_PARALLELISM } from "../ops/stack/environment";
import { summarizeEvents } from "../ops/review/summarize";
import { withExtraServers } from "../test/e2e/fleet";
import { e2eProject, type E2eProject } from "../test/e2e/support";

const SIZES = (process.env.BENCH_SCALE_SIZES ?? "10,50,200").split(",").map(Number);

interface Row {
    servers: number;
    resources: number;
    previewMs: number;
    createMs: number;
    /** The same create at the engine's own default parallelism (4 per CPU): the create's baseline. */
    defaultCreateMs: number;
    noChangePreviewMs: number;
    noChangeUpMs: number;
    changeMs: number;
    bareFullMs: number;
    bareTargetedMs: number;
    destroyMs: number;
}

const timed = async (run: () => Promise<unknown>): Promise<number> => {
    const started = Date.now();
    await run();
    return Date.now() - started;
};

/** The create as the engine would run it unasked (a stack opened reads PULUMI_PARALLEL from the environment), then destroyed. */
async function createAtEngineDefault(project: E2eProject, extra: number): Promise<number> {
    process.env.PULUMI_PARALLEL = String(4 * availableParallelism());
    try {
        const stack = await project.stack();
        const ms = await timed(() => stack.up(`bench: create with ${extra} extra servers, engine default parallelism`));
        await stack.stack.destroy();
        return ms;
    } finally {
        delete process.env.PULUMI_PARALLEL;
    }
}

async function measure(project: E2eProject, extra: number, base: string): Promise<Row> {
    const file = join(project.dir, "Pulumi.local.yaml");
    writeFileSync(file, withExtraServers(extra, base));
    const defaultCreateMs = await createAtEngineDefault(project, extra);
    const stack = await project.stack();
    const previewMs = await timed(() => stack.previewEvents());
    const createMs = await timed(() => stack.up(`bench: create with ${extra} extra servers`));
    const resources = (await stack.stack.exportStack()).deployment.resources.length;
    const noChangePreviewMs = await timed(async () => {
        const changes = summarizeEvents(await stack.previewEvents()).changes;
        if (changes.length > 0) throw new Error(`a second preview still changes ${changes.length} resources`);
    });
    const noChangeUpMs = await timed(() => stack.up("bench: no change"));

    const before = project.stackFile();
    const run = await project.cli(["scale", "router", "2", "--yes", "--json"]);
    const result = JSON.parse(run.stdout || "{}") as { outcome?: string; scope?: ChangeScope };
    if (run.code !== 0 || result.outcome !== "applied" || !result.scope) {
        throw new Error(`mcp-ops scale router 2 did not apply as a scoped change: ${run.stderr}`);
    }
    const after = project.stackFile();
    // Each baseline applies the same config change from the same starting point.
    const bare = async (scope?: ChangeScope) => {
        writeFileSync(file, before);
        await stack.up("baseline: the change reversed");
        writeFileSync(file, after);
        return timed(() => stack.up("baseline: the same change, bare", scope));
    };
    const bareFullMs = await bare();
    const bareTargetedMs = await bare(result.scope);

    const destroyMs = await timed(() => stack.stack.destroy());
    return {
        servers: extra,
        resources,
        previewMs,
        createMs,
        defaultCreateMs,
        noChangePreviewMs,
        noChangeUpMs,
        changeMs: run.ms,
        bareFullMs,
        bareTargetedMs,
        destroyMs,
    };
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const HEADER =
    `servers | resources | preview (ms/resource) | create at parallelism ${ENGINE_PARALLELISM} (ms/resource) | ` +
    "create at the engine's default (ratio) | no-change preview / up | " +
    "mcp-ops scale | bare full up | bare targeted up | vs full | vs targeted | destroy";

function print(rows: Row[]): void {
    for (const r of rows) {
        console.log(
            [
                String(r.servers).padStart(7),
                String(r.resources).padStart(9),
                `${s(r.previewMs)} (${(r.previewMs / r.resources).toFixed(1)})`.padStart(21),
                `${s(r.createMs)} (${(r.createMs / r.resources).toFixed(0)})`.padStart(20),
                `${s(r.defaultCreateMs)} (${(r.createMs / r.defaultCreateMs).toFixed(2)}x)`.padStart(42),
                `${s(r.noChangePreviewMs)} / ${s(r.noChangeUpMs)}`.padStart(22),
                s(r.changeMs).padStart(13),
                s(r.bareFullMs).padStart(12),
                s(r.bareTargetedMs).padStart(16),
                `${(r.changeMs / r.bareFullMs).toFixed(2)}x`.padStart(7),
                `${(r.changeMs / r.bareTargetedMs).toFixed(2)}x`.padStart(11),
                s(r.destroyMs).padStart(7),
            ].join(" | "),
        );
    }
}

async function main(): Promise<void> {
    console.log("starting a private local cluster ...");
    const project = await e2eProject();
    try {
        const base = project.stackFile();
        const rows: Row[] = [];
        for (const extra of SIZES) {
            console.log(`${extra} extra MCP servers ...`);
            rows.push(await measure(project, extra, base));
            console.log(HEADER);
            print(rows.slice(-1));
        }
        console.log(`\nall sizes:\n${HEADER}`);
        print(rows);
    } finally {
        await project.close();
    }
}

main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
