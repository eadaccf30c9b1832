import { rawFromStackConfig } from "../../config/load";
import { InvalidInputError } from "../errors";
import { planEdits } from "./edit";
import type { Plan } from "./types";

/** The parts of an update in the stack history a rollback needs (the Automation API's UpdateSummary). */
export interface HistoryEntry {
    version: number;
    result: string;
    message?: string;
    startTime: string;
    config?: Record<string, { value: string; secret?: boolean }>;
    /** "update", "refresh", "destroy", … */
    kind?: string;
    endTime?: string;
}

/**
 * Keys a rollback leaves as they are. A rotated credential's old value is gone: restoring an
 * older rotation epoch would draw yet another new value and roll every consumer, so secrets
 * move forward only (`mcp-ops rotate`).
 */
const NOT_ROLLED_BACK = new Set(["secrets"]);

/**
 * Restores the `mcp:` config an earlier update ran with, as a new update (DESIGN principle 3).
 * `lastGood` picks the newest successful update before the newest update.
 */
export function planRollback(current: Record<string, unknown>, history: HistoryEntry[], target: { to?: number; lastGood?: boolean }): Plan {
    const updates = history.filter((h) => h.config !== undefined).sort((a, b) => b.version - a.version);
    if (updates.length === 0) throw new InvalidInputError("the stack has no recorded updates to roll back to");
    let entry: HistoryEntry | undefined;
    if (target.to !== undefined) {
        entry = updates.find((h) => h.version === target.to);
        if (!entry) throw new InvalidInputError(`update ${target.to} is not in the stack history; recent updates: ${updates.slice(0, 10).map((h) => h.version).join(", ")}`);
        if (entry.result !== "succeeded") throw new InvalidInputError(`update ${target.to} ${entry.result}; roll back to an update that succeeded`);
    } else if (target.lastGood) {
        entry = updates.slice(1).find((h) => h.result === "succeeded");
        if (!entry) throw new InvalidInputError("no successful update before the newest one; name one with --to <update>");
    } else {
        throw new InvalidInputError("say where to roll back to: --to <update> or --last-good");
    }
    const wanted: Record<string, string> = {};
    for (const [key, { value, secret }] of Object.entries(entry.config!)) if (!secret) wanted[key] = value;
    const restored = rawFromStackConfig(wanted);
    const keys = [...new Set([...Object.keys(current), ...Object.keys(restored)])].filter((key) => !NOT_ROLLED_BACK.has(key));
    const secretsDiffer = JSON.stringify(current.secrets) !== JSON.stringify(restored.secrets);
    return planEdits(
        "rollback",
        `restore the config of update ${entry.version} (${entry.startTime}${entry.message ? `: ${entry.message}` : ""})` +
            (secretsDiffer ? "; secrets keep their current values (a rotated credential cannot be restored)" : ""),
        current,
        keys.map((key) => ({ path: key, to: restored[key] })),
        (config) => Object.keys(config.services),
    );
}
