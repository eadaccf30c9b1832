import type { Command } from "commander";
import { consumersOf } from "../../platform/secretUse";
import { InvalidInputError } from "../errors";
import { changeCommand } from "../commandLine/change";
import type { CommandContext } from "../commandLine/context";
import { planEdits } from "../plan/edit";
import type { CurrentConfig, Plan } from "../plan/types";

/** `mcp-ops rotate <secret...|--all>`: bump rotation epochs; new values are drawn and every consumer rolls. */
export function define(command: Command, ctx: CommandContext): void {
    changeCommand<{ all: boolean }>(
        command.argument("[secrets...]").option("--all", "every secret", false),
        ctx,
        ([secrets], o) =>
            (current) =>
                planRotate(current, o.all ? "all" : (secrets as unknown as string[])),
    );
}

export function planRotate(current: CurrentConfig, secrets: string[] | "all"): Plan {
    const { config, raw } = current;
    const names = secrets === "all" ? Object.keys(config.secrets) : secrets;
    if (names.length === 0) throw new InvalidInputError("name a secret to rotate, or pass --all");
    for (const name of names) {
        if (!config.secrets[name])
            throw new InvalidInputError(`unknown secret "${name}"; this stack has: ${Object.keys(config.secrets).join(", ")}`);
    }
    // Only the epoch changes: settings written in the stack file stay as written, defaults stay unwritten.
    const written = (raw.secrets ?? {}) as Record<string, object | undefined>;
    const edits = names.map((n) => ({ path: `secrets.${n}`, to: { ...written[n], rotationEpoch: config.secrets[n].rotationEpoch + 1 } }));
    const consumers = [...new Set(names.flatMap((n) => consumersOf(config, n)))].sort();
    return planEdits(
        "rotate",
        `rotate ${names.join(", ")}; consumers roll: ${consumers.join(", ") || "none"}`,
        current,
        edits,
        () => consumers,
    );
}
