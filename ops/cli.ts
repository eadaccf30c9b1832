import { Command, CommanderError, Option } from "commander";
import { EXIT, InvalidInputError, OpsError } from "./errors";

/**
 * The `mcp-ops` entry point: parses arguments, calls the library, prints, and maps errors to
 * exit codes. Commands are required lazily so `--help` stays fast.
 */
const projectDir = process.env.MCP_PROJECT_DIR ?? process.cwd();

const int = (name: string) => (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidInputError(`${name} ${value} is not a whole number`);
    return n;
};
const collect = (value: string, previous: string[]) => [...previous, value];
const print = (json: boolean, value: unknown, text: () => string) => console.log(json ? JSON.stringify(value, null, 2) : text());
const progressLine = (text: string) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${text}`);
};

export function buildProgram(): Command {
    const program = new Command("mcp-ops").description("Runbooks of the MCP platform as commands").exitOverride();

    program
        .command("health")
        .description("REST /health and an MCP initialize + tools/list against every MCP server: HEALTHY, DEGRADED or UNHEALTHY")
        .option("--stack <name>", "stack whose config names the servers", "local")
        .option("--endpoint <name=url>", "reach a server at this base URL (repeatable), e.g. after kubectl port-forward", collect, [])
        .addOption(new Option("--timeout <ms>", "per-check timeout").argParser(int("--timeout")).default(5000))
        .addOption(new Option("--slow <ms>", "a passing check slower than this degrades").argParser(int("--slow")).default(2000))
        .option("--json", "print the report as JSON", false)
        .action(async (o) => {
            const { healthCommand, renderHealth } = require("./commands/health") as typeof import("./commands/health.js");
            const { report, exitCode } = await healthCommand({ stack: o.stack, projectDir, endpoint: o.endpoint, timeoutMs: o.timeout, slowMs: o.slow });
            print(o.json, report, () => renderHealth(report));
            process.exitCode = exitCode;
        });

    const redis = program.command("redis").description("Redis runbooks, safe on a busy store (SCAN and UNLINK, never KEYS or FLUSH)");
    redis
        .command("revoke-sessions")
        .description("delete session keys (credential rotation, incident response)")
        .option("--url <url>", "redis:// or rediss:// URL", "redis://127.0.0.1:6379")
        .option("--password-env <var>", "environment variable holding the password", "REDIS_PASSWORD")
        .option("--pattern <glob>", "keys to delete", "session:*")
        .addOption(new Option("--db <n>", "database number").argParser(int("--db")))
        .addOption(new Option("--count <n>", "SCAN COUNT per step").argParser(int("--count")).default(1000))
        .addOption(new Option("--timeout <ms>", "stop after this long (rerun continues)").argParser(int("--timeout")).default(600_000))
        .option("--preview", "count what would be deleted, delete nothing", false)
        .option("--json", "print the result as JSON", false)
        .action(async (o) => {
            const { revokeSessionsCommand } = require("./commands/revokeSessions") as typeof import("./commands/revokeSessions.js");
            const result = await revokeSessionsCommand({
                url: o.url,
                password: process.env[o.passwordEnv],
                db: o.db,
                pattern: o.pattern,
                preview: o.preview,
                count: o.count,
                timeoutMs: o.timeout,
                onProgress: (p) => progressLine(`scanned ${p.scans} steps, deleted ${p.deleted}`),
            });
            if (process.stderr.isTTY) process.stderr.write("\n");
            print(o.json, result, () =>
                result.preview
                    ? `preview: ${result.matched} keys match "${result.pattern}"; nothing was deleted`
                    : `deleted ${result.deleted} keys matching "${result.pattern}" in ${result.durationMs} ms`,
            );
        });

    return program;
}

/** Runs the CLI and returns the exit code; never calls process.exit itself. */
export async function main(argv: string[]): Promise<number> {
    try {
        await buildProgram().parseAsync(argv, { from: "user" });
        return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
    } catch (error) {
        if (error instanceof CommanderError) {
            return error.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
        }
        const message = error instanceof Error ? error.message : String(error);
        console.error(`mcp-ops: ${message}`);
        return error instanceof OpsError ? error.exitCode : messageIsConfig(message) ? EXIT.invalidInput : EXIT.failed;
    }
}

const messageIsConfig = (message: string) => message.startsWith("Invalid stack config");
