#!/usr/bin/env node
// Starts the CLI compiled by `npm run build` (run by npm install) when it is up to date with the
// TypeScript sources, so a command does not compile TypeScript on every call; otherwise (sources
// edited since) runs the sources through tsx, which is correct but slower to start.
const { readdirSync, statSync } = require("node:fs");
const { enableCompileCache } = require("node:module");
const { join } = require("node:path");

const root = join(__dirname, "..");
// What the build compiles (the first folder or file of each of its include patterns), and what configures it.
const SOURCES = [
    ...new Set(require("../tsconfig.build.json").include.map((pattern) => pattern.split("/")[0])),
    "package.json",
    "tsconfig.json",
    "tsconfig.build.json",
];

function newestChange(path) {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return 0;
    if (!stat.isDirectory()) return stat.mtimeMs;
    return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestChange(join(path, entry))));
}

function compiledIsCurrent() {
    const built = statSync(join(root, "dist", ".tsbuildinfo"), { throwIfNoEntry: false });
    return built !== undefined && SOURCES.every((source) => newestChange(join(root, source)) <= built.mtimeMs);
}

// A closed pipe (mcp-ops … | head) ends the output, not the command with a stack trace.
process.stdout.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
});

// Node keeps the bytecode of the modules it compiled (in the OS temporary folder): the Pulumi SDK
// alone loads in two thirds of the time on every later call.
enableCompileCache?.();

let cli;
if (compiledIsCurrent()) {
    cli = require("../dist/ops/cli.js");
} else {
    require("tsx/cjs");
    cli = require("./cli.ts");
}
cli.main(process.argv.slice(2)).then((code) => (process.exitCode = code));
