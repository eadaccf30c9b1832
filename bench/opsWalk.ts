/**
 * npm run bench:walk — what one `mcp-ops scale router 2 --yes` goes through, from the CLI entry to
 * the rollout verification, on the local stack of a private local cluster: the project's source
 * files it loads, and how often it opens the stack, reads the stack file and parses the config.
 * Counted by V8's own call counters (NODE_V8_COVERAGE), so nothing in the code is instrumented.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { e2eProject } from "../test/e2e/support";
import { REPO_ROOT } from "../test/support/platform";

/** Functions whose calls are counted, by what they do. */
const COUNTED: Record<string, string> = {
    openStack: "stack opened",
    readRawStackConfig: "stack file read",
    parsePlatformConfig: "config parsed",
};

interface V8Coverage {
    result: Array<{ url: string; functions: Array<{ functionName: string; ranges: Array<{ count: number }> }> }>;
}

/** The program's own files (run in-process by the engine) apart from the ops side's. */
const isProgram = (file: string) => /^(config|components|platform)\//.test(file) || file === "index.ts";

async function main(): Promise<void> {
    console.log("starting a private local cluster and deploying the local stack ...");
    const project = await e2eProject();
    const coverage = mkdtempSync(join(tmpdir(), "mcp-walk-"));
    try {
        await (await project.stack()).up("bench: deploy");
        const run = await project.cli(["scale", "router", "2", "--yes"], { NODE_V8_COVERAGE: coverage });
        if (run.code !== 0) throw new Error(`mcp-ops scale failed: ${run.stderr}`);
        const files = new Set<string>();
        const calls = Object.fromEntries(Object.keys(COUNTED).map((name) => [name, 0]));
        for (const name of readdirSync(coverage)) {
            const { result } = JSON.parse(readFileSync(join(coverage, name), "utf8")) as V8Coverage;
            for (const script of result) {
                if (!script.url.startsWith("file://")) continue;
                const path = relative(REPO_ROOT, fileURLToPath(script.url));
                if (path.startsWith("..") || path.includes("node_modules")) continue;
                // The compiled CLI runs dist/<source>.js: count it as its source file.
                const file = path.startsWith("dist/") ? path.slice("dist/".length).replace(/\.js$/, ".ts") : path;
                files.add(file);
                // A function may be listed once per compiled copy; its largest count is its call count.
                for (const counted of Object.keys(COUNTED)) {
                    const counts = script.functions.filter((f) => f.functionName === counted).map((f) => f.ranges[0].count);
                    if (counts.length > 0) calls[counted] += Math.max(...counts);
                }
            }
        }
        const sorted = [...files].sort();
        const ops = sorted.filter((f) => !isProgram(f));
        console.log(`mcp-ops scale router 2 --yes: exit ${run.code} in ${run.ms} ms`);
        console.log(`project files entered: ${sorted.length} (ops side ${ops.length}, program ${sorted.length - ops.length})`);
        for (const [name, what] of Object.entries(COUNTED)) console.log(`${what}: ${calls[name]} (${name})`);
        console.log(`ops-side files: ${ops.join(" ")}`);
    } finally {
        rmSync(coverage, { recursive: true, force: true });
        await project.close();
    }
}

main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
});
