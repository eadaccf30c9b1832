import type { Command } from "commander";
import { switchCommand } from "../commandLine/change";
import type { CommandContext } from "../commandLine/context";
import { planEdits } from "../plan/edit";
import type { CurrentConfig, Plan } from "../plan/types";

/** `mcp-ops lockdown on|off`: the emergency lockdown; only trusted sources reach any pod. No pod rolls. */
export function define(command: Command, ctx: CommandContext): void {
    switchCommand(command, ctx, planLockdown);
}

export function planLockdown(current: CurrentConfig, on: boolean): Plan {
    return planEdits(
        "lockdown",
        on ? "lock the namespace down to trusted sources" : "lift the lockdown",
        current,
        [{ path: "security.lockdown", to: on }],
        () => [],
    );
}
