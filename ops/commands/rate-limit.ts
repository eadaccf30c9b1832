import type { Command } from "commander";
import { changeCommand } from "../commandLine/change";
import type { CommandContext } from "../commandLine/context";
import { numberOption, wholeNumber } from "../commandLine/flags";
import { planEdits } from "../plan/edit";
import type { CurrentConfig, Plan } from "../plan/types";

/** `mcp-ops rate-limit <rps> [--burst n]`: the gateway's rate limit (its ConfigMap; the gateway rolls). */
export function define(command: Command, ctx: CommandContext): void {
    changeCommand<{ burst?: number }>(
        command
            .argument("<rps>", "requests per second")
            .addOption(numberOption("--burst <n>", "requests allowed at once (default: the current burst, at least rps)")),
        ctx,
        ([rps], o) =>
            (current) =>
                planRateLimit(current, wholeNumber("rps")(rps), o.burst),
    );
}

/** Without a burst, the current one is kept unless the new rate exceeds it. Ranges are the schema's to check. */
export function planRateLimit(current: CurrentConfig, rps: number, burst?: number): Plan {
    const now = current.config.security.rateLimit;
    const nextBurst = burst ?? Math.max(now.burst, rps);
    return planEdits(
        "rate-limit",
        `limit the gateway to ${rps} rps (burst ${nextBurst})`,
        current,
        [{ path: "security.rateLimit", to: { ...now, enabled: true, rps, burst: nextBurst } }],
        () => ["gateway"],
    );
}
