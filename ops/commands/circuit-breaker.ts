import type { Command } from "commander";
import { InvalidInputError } from "../errors";
import { changeCommand } from "../commandLine/change";
import type { CommandContext } from "../commandLine/context";
import { planEdits } from "../plan/edit";
import type { CurrentConfig, Plan } from "../plan/types";

const BREAKER_KEYS = ["enabled", "errorThresholdPercent", "openSeconds", "halfOpenRequests"] as const;

/** `mcp-ops circuit-breaker errorThresholdPercent=25,openSeconds=60` (or `on` / `off`): the gateway's circuit breaker. */
export function define(command: Command, ctx: CommandContext): void {
    changeCommand(
        command.argument("<settings>", "on, off, or key=value,…"),
        ctx,
        ([settings]) =>
            (current) =>
                planCircuitBreaker(current, settings),
    );
}

export function planCircuitBreaker(current: CurrentConfig, settings: string): Plan {
    const next: Record<string, unknown> = { ...current.config.security.circuitBreaker };
    if (settings === "on" || settings === "off") {
        next.enabled = settings === "on";
    } else {
        for (const pair of settings
            .split(",")
            .map((p) => p.trim())
            .filter(Boolean)) {
            const [key, value] = pair.split("=");
            if (!(BREAKER_KEYS as readonly string[]).includes(key) || value === undefined) {
                throw new InvalidInputError(
                    `"${pair}" is not a circuit breaker setting; use key=value with keys ${BREAKER_KEYS.join(", ")}, or on/off`,
                );
            }
            next[key] = key === "enabled" ? value === "true" : Number(value);
        }
    }
    return planEdits(
        "circuit-breaker",
        `set the gateway circuit breaker: ${settings}`,
        current,
        [{ path: "security.circuitBreaker", to: next }],
        () => ["gateway"],
    );
}
