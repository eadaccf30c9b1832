import type { Command } from "commander";
import { InvalidInputError } from "../errors";
import { changeCommand } from "../commandLine/change";
import type { CommandContext } from "../commandLine/context";
import { planEdits } from "../plan/edit";
import { requireService } from "../plan/services";
import type { CurrentConfig, Plan } from "../plan/types";

/** `mcp-ops restart <service...|--all>`: bump restart epochs; the pods roll, nothing else changes. */
export function define(command: Command, ctx: CommandContext): void {
    changeCommand<{ all: boolean }>(
        command.argument("[services...]").option("--all", "every service", false),
        ctx,
        ([services], o) =>
            (current) =>
                planRestart(current, o.all ? "all" : (services as unknown as string[])),
    );
}

export function planRestart(current: CurrentConfig, services: string[] | "all"): Plan {
    const { config } = current;
    const names = services === "all" ? Object.keys(config.services) : services;
    if (names.length === 0) throw new InvalidInputError("name a service to restart, or pass --all");
    for (const n of names) requireService(config, n);
    return planEdits(
        "restart",
        `restart ${services === "all" ? "all services" : names.join(", ")}`,
        current,
        names.map((n) => ({ path: `services.${n}.restartEpoch`, to: config.services[n].restartEpoch + 1 })),
        () => names,
    );
}
