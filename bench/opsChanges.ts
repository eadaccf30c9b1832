/**
 * npm run bench:ops — each change command with --yes against a bare `pulumi up` of the same config
 * change, on the local stack of a private local cluster, in one run. Needs the provider plugins
 * (as npm run test:e2e does). Prints one row per command and the ratio; nothing is asserted.
 */
import { e2eProject, measureChange } from "../test/e2e/support";

const COMMANDS: string[][] = [
    ["scale", "router", "3"],
    ["scale", "router", "--min", "2", "--max", "4"],
    ["scale", "router", "1", "--fixed"],
    ["resources", "router", "--cpu", "600m", "--memory", "300Mi"],
    ["restart", "mcp-memory"],
    ["rotate", "redis-password"],
    ["rate-limit", "250", "--burst", "500"],
    ["circuit-breaker", "errorThresholdPercent=25"],
    ["lockdown", "on"],
    ["lockdown", "off"],
    ["maintenance", "on"],
    ["maintenance", "off"],
];

async function main(): Promise<void> {
    console.log("starting a private local cluster and deploying the local stack ...");
    const project = await e2eProject();
    try {
        const stack = await project.stack();
        await stack.up("bench: deploy");
        const rows: Array<[string, number, number]> = [];
        for (const args of COMMANDS) {
            const measured = await measureChange(project, stack, args);
            if (measured.run.code !== 0 || measured.bareSettledMs === undefined)
                throw new Error(`mcp-ops ${args.join(" ")} failed: ${measured.run.stderr}`);
            // A change that settles (an HPA removed) needs a second, refreshing up to end right, bare or not.
            const baseline = measured.result?.settled ? "bare up + settle" : "bare up";
            rows.push([`mcp-ops ${args.join(" ")} --yes`, measured.run.ms, measured.bareSettledMs]);
            const ratio = (measured.run.ms / measured.bareSettledMs).toFixed(2);
            const [name, ms, bare] = rows.at(-1)!;
            console.log(
                `  ${name.padEnd(56)} ${String(ms).padStart(6)} ms   ${baseline.padStart(16)} ${String(bare).padStart(6)} ms   ${ratio}x`,
            );
        }
        const ratios = rows.map(([, ms, bare]) => ms / bare).sort((a, b) => a - b);
        console.log(
            `ratio to a bare up: min ${ratios[0].toFixed(2)}x, median ${ratios[Math.floor(ratios.length / 2)].toFixed(2)}x, max ` +
                `${ratios.at(-1)!.toFixed(2)}x`,
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
