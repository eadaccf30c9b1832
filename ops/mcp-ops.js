#!/usr/bin/env node
// Runs the TypeScript CLI directly; tsx compiles it on the fly.
require("tsx/cjs");
require("./cli.ts")
    .main(process.argv.slice(2))
    .then((code) => (process.exitCode = code));
