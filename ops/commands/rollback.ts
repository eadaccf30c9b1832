import type { Command } from "commander";
import { decodeStackConfig } from "../../config/load";
import { InvalidInputError } from "../errors";
import { changeCommand } from "../commandLine/change";
import type { CommandContext } from "../commandLine/context";
import { numberOption } from "../commandLine/flags";
import { planEdits } from "../plan/edit";
import type { CurrentConfig, Plan } from "../plan/types";
import type { HistoryEntry } from "../stack/history";

/** `mcp-ops rollback --to <update>|--last-good`: an earlier update's config, restored as a new update. */
export function define(command: Command, ctx: CommandContext): void {
    changeCommand<{ to?: number; lastGood: boolean }>(
        command
            .addOption(numberOption("--to <update>", "update version from mcp-ops history"))
            .option("--last-good", "the newest successful update before the newest one", false),
        ctx,
        (_args, o) => async (current, history) => planRollback(current, await history(), { to: o.to, lastGood: o.lastGood }),
    );
}

/**
 * Keys a rollback leaves as they are. A rotated credential's old value is gone: restoring an
 * older rotation epoch would draw yet another new value and roll every consumer, so secrets
 * move forward only (`mcp-ops rotate`).
 */
const NOT_ROLLED_BACK = new Set(["secrets"]);

/**
 * Restores the `mcp:` config an earlier update ran with, as a new update: history is never rewritten.
 * `lastGood` picks the newest successful update before the newest update.
 */
export function planRollback(current: CurrentConfig, history: HistoryEntry[], target: { to?: number; lastGood?: boolean }): Plan {
    const updates = history.filter((h) => h.config !== undefined).sort((a, b) => b.version - a.version);
    if (updates.length === 0) throw new InvalidInputError("the stack has no recorded updates to roll back to");
    let entry: HistoryEntry | undefined;
    if (target.to !== undefined) {
        entry = updates.find((h) => h.version === target.to);
        if (!entry)
            throw new InvalidInputError(
                `update ${target.to} is not in the stack history; recent updates: ${updates
                    .slice(0, 10)
                    .map((h) => h.version)
                    .join(", ")}`,
            );
        if (entry.result !== "succeeded")
            throw new InvalidInputError(`update ${target.to} ${entry.result}; roll back to an update that succeeded`);
    } else if (target.lastGood) {
        entry = updates.slice(1).find((h) => h.result === "succeeded");
        if (!entry) throw new InvalidInputError("no successful update before the newest one; name one with --to <update>");
    } else {
        throw new InvalidInputError("say where to roll back to: --to <update> or --last-good");
    }
    const recorded: Record<string, string> = {};
    for (const [key, { value, secret }] of Object.entries(entry.config!)) if (!secret) recorded[key] = value;
    const restored = decodeStackConfig(recorded);
    const keys = [...new Set([...Object.keys(current.raw), ...Object.keys(restored)])].filter((key) => !NOT_ROLLED_BACK.has(key));
    const secretsDiffer = JSON.stringify(current.raw.secrets) !== JSON.stringify(restored.secrets);
    return planEdits(
        "rollback",
        `restore the config of update ${entry.version} (${entry.startTime}${entry.message ? `: ${entry.message}` : ""})` +
            (secretsDiffer ? "; secrets keep their current values (a rotated credential cannot be restored)" : ""),
        current,
        keys.map((key) => ({ path: key, to: restored[key] })),
        (config) => Object.keys(config.services),
    );
}
