/**
 * npm run bench:ops — each change command with --yes against a bare `pulumi up` of the same config
 * change, on the local stack of a private local cluster, in one run. Needs the provider plugins
 * (as npm run test:e2e does). Prints one row per command and the ratio; nothing is asserted.
 */
import { writeStackConfigValues } from "../ops/stack/stackFile";
import { e2eProject, measureChange } from "../test/e2e/support";
import { median } from "./median";

/** The change commands, with values that differ from round to round so that every round changes something. */
const commands = (round: number): string[][] => [
    ["scale", "router", "3"],
    ["scale", "router", "--min", "2", "--max", "4"],
    ["scale", "router", "1", "--fixed"],
    ["resources", "router", "--cpu", `${600 + 10 * round}m`, "--memory", `${300 + 10 * round}Mi`],
    ["restart", "mcp-memory"],
    // A rotation is three updates; each phase is measured on its own (the retirement's grace is 0 here).
    ["rotate", "redis-password", "--phase", "add"],
    ["rotate", "redis-password", "--phase", "roll"],
    ["rotate", "redis-password", "--phase", "retire"],
    ["rate-limit", String(250 + round), "--burst", "500"],
    ["circuit-breaker", `errorThresholdPercent=${25 + round}`],
    ["lockdown", "on"],
    ["lockdown", "off"],
    ["maintenance", "on"],
    ["maintenance", "off"],
];

/** Rounds of every command; each command's figure is its median over the rounds. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

async function main(): Promise<void> {
    console.log("starting a private local cluster and deploying the local stack ...");
    const project = await e2eProject();
    try {
        // The grace between roll and retire is waiting, not work: none here, so the retire row measures the update.
        writeStackConfigValues("local", project.dir, { secrets: { "redis-password": { retireAfterSeconds: 0 } } });
        const stack = await project.stack();
        await stack.up("bench: deploy");
        // Row i is command i of every round, named as in the first round.
        const runs = commands(0).map((args) => ({
            name: args.join(" "),
            results: [] as Array<{ ms: number; bare: number; settled: boolean }>,
        }));
        for (let round = 0; round < ROUNDS; round++) {
            console.log(`round ${round + 1} of ${ROUNDS} ...`);
            for (const [i, args] of commands(round).entries()) {
                const measured = await measureChange(project, stack, args);
                if (measured.run.code !== 0 || measured.bareSettledMs === undefined || measured.result?.outcome !== "applied") {
                    throw new Error(`mcp-ops ${args.join(" ")} did not apply: ${measured.run.stderr}`);
                }
                // A change that settles (an HPA removed) needs a second, refreshing up to end right, bare or not.
                runs[i].results.push({ ms: measured.run.ms, bare: measured.bareSettledMs, settled: Boolean(measured.result.settled) });
            }
        }
        const ratios: number[] = [];
        console.log(`each change with --yes against a bare up of the same change; medians of ${ROUNDS} rounds:`);
        for (const { name, results: list } of runs) {
            const ratio = median(list.map((r) => r.ms / r.bare));
            ratios.push(ratio);
            const baseline = list[0].settled ? "bare up + settle" : "bare up";
            const each = list.map((r) => r.ms / r.bare);
            const spread = `${Math.min(...each).toFixed(2)}–${Math.max(...each).toFixed(2)}`;
            const ms = String(Math.round(median(list.map((r) => r.ms)))).padStart(6);
            const bare = String(Math.round(median(list.map((r) => r.bare)))).padStart(6);
            console.log(`  mcp-ops ${name.padEnd(52)} ${ms} ms   ${baseline.padStart(16)} ${bare} ms   ${ratio.toFixed(2)}x (${spread})`);
        }
        ratios.sort((a, b) => a - b);
        console.log(
            `ratio to a bare up: min ${ratios[0].toFixed(2)}x, median ${median(ratios).toFixed(2)}x, max ${ratios.at(-1)!.toFixed(2)}x`,
        );
        await stack.stack.destroy();
    } finally {
        await project.close();
    }
}

main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
});
