import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { ConfigError } from "../config/errors";
import type { CommandContext } from "./commandLine/context";
import { EXIT, OpsError } from "./errors";

/**
 * The `mcp-ops` entry point. Each command lives in `ops/commands/<name>.ts` and is loaded only
 * when it runs; this file names them, prints the top-level help, and maps every error to its
 * exit code in one place.
 */
export const COMMANDS: Record<string, string> = {
    status: "stack outputs and the live rollout state of every workload",
    health: "REST /health and an MCP initialize + tools/list against every MCP server, plus Redis: HEALTHY, DEGRADED or UNHEALTHY",
    scale: "set a service's replicas, or its HPA bounds with --min/--max",
    resources: "set a service's CPU and memory limits (and requests)",
    restart: "roll a service's pods (or every service's with --all) and change nothing else",
    rotate: "generate new values for secrets (or --all); their consumers roll",
    rollback: "restore an earlier update's config as a new update, previewed first",
    lockdown: "emergency lockdown: only trusted sources reach any pod (on|off)",
    "rate-limit": "the gateway's rate limit",
    "circuit-breaker": "the gateway's circuit breaker: on|off or key=value,…",
    maintenance: "scale writers to zero for a restore (on) and back (off)",
    drift: "report out-of-band changes field by field (e.g. a kubectl scale); --fix puts the declared state back",
    history: "the audit log: updates with operation, reason, actor, result and duration",
    recover: "after an interrupted update: clear its stale lock and pending operations, then refresh",
    review: "summarise a preview for a pull request: changes by field, high-risk replacements and deletions first, policy results",
    backup: "backups beyond the schedule",
    cert: "certificates",
    incident: "security incident response",
    redis: "Redis runbooks, safe on a busy store (SCAN and UNLINK, never KEYS or FLUSH)",
    tools: "MCP tool catalogs: lock what was reviewed, so the prober reports any change",
    runbook: "the runbooks, as in docs/runbook.md",
};

export interface CommandModule {
    define(command: Command, ctx: CommandContext): void;
}

const projectDir = () => process.env.MCP_PROJECT_DIR ?? process.cwd();
/** This tool's package.json: one level up from the sources (ops/), two from the compiled CLI (dist/ops/). */
function version(): string {
    const file = [join(__dirname, "..", "package.json"), join(__dirname, "..", "..", "package.json")].find((f) => existsSync(f));
    return (JSON.parse(readFileSync(file!, "utf8")) as { version: string }).version;
}

function topLevelHelp(): string {
    const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
    const rows = Object.entries(COMMANDS).map(([name, summary]) => `  ${name.padEnd(width)}  ${summary}`);
    return [
        "Usage: mcp-ops <command> [options]",
        "",
        "Runbooks of the MCP platform as commands",
        "",
        "Commands:",
        ...rows,
        "",
        "mcp-ops <command> --help shows a command's options; mcp-ops --version its version.",
    ].join("\n");
}

/** One command with its arguments, options and action, as its file defines it. */
export function defineCommand(name: string, module: CommandModule, ctx: CommandContext): Command {
    const command = new Command(name).description(COMMANDS[name]).exitOverride().showSuggestionAfterError();
    module.define(command, ctx);
    return command;
}

/** Runs the CLI and returns the exit code; never calls process.exit itself. */
export async function main(argv: string[]): Promise<number> {
    const [name] = argv;
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
        console.log(topLevelHelp());
        return EXIT.ok;
    }
    if (name === "--version" || name === "-V") {
        console.log(version());
        return EXIT.ok;
    }
    if (!(name in COMMANDS)) {
        console.error(
            `mcp-ops: unknown command "${name}"; the commands are: ${Object.keys(COMMANDS).join(", ")} (mcp-ops --help describes them)`,
        );
        return EXIT.invalidInput;
    }
    try {
        const { CommandContext } = require("./commandLine/context") as typeof import("./commandLine/context");
        // Under a root named mcp-ops, so usage lines read "mcp-ops scale …".
        const module = require(`./commands/${name}`) as CommandModule;
        const root = new Command("mcp-ops").exitOverride().addCommand(defineCommand(name, module, new CommandContext(projectDir())));
        await root.parseAsync(argv, { from: "user" });
        return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
    } catch (error) {
        return exitCodeOf(error);
    }
}

/** Commander has printed its own message; everything else is printed here, once. */
function exitCodeOf(error: unknown): number {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
    console.error(`mcp-ops: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof OpsError) return error.exitCode;
    return error instanceof ConfigError ? EXIT.invalidInput : EXIT.failed;
}
