import type { Command } from "commander";
import { isWriter } from "../../platform/tuning";
import { switchCommand } from "../commandLine/change";
import type { CommandContext } from "../commandLine/context";
import { planEdits } from "../plan/edit";
import type { CurrentConfig, Plan } from "../plan/types";

/** `mcp-ops maintenance on|off`: writers (services that call a store) scale to zero for a restore, and back. */
export function define(command: Command, ctx: CommandContext): void {
    switchCommand(command, ctx, planMaintenance);
}

export function planMaintenance(current: CurrentConfig, on: boolean): Plan {
    const writers = Object.keys(current.config.services).filter((n) => isWriter(current.config, n));
    const summary = on ? `stop writers for maintenance: ${writers.join(", ")}` : `restart writers: ${writers.join(", ")}`;
    return planEdits("maintenance", summary, current, [{ path: "maintenance", to: on }], () => writers);
}
