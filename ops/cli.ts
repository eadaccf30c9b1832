import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { ConfigError } from "../config/errors";
import { COMMANDS } from "./commandLine/commands";
import type { CommandContext } from "./commandLine/context";
import { EXIT, OpsError } from "./errors";

/**
 * The `mcp-ops` entry point. Each command lives in `ops/commands/<name>.ts` and is loaded only
 * when it runs; this file prints the top-level help and maps every error to its exit code, once.
 */
export { COMMANDS };

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
