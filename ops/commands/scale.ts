import type { Command } from "commander";
import { InvalidInputError } from "../errors";
import { changeCommand } from "../commandLine/change";
import type { CommandContext } from "../commandLine/context";
import { numberOption, wholeNumber } from "../commandLine/flags";
import { planEdits } from "../plan/edit";
import { requireService } from "../plan/services";
import type { CurrentConfig, Plan } from "../plan/types";

/** `mcp-ops scale <service> <replicas>` or `--min/--max`: the scaling runbook. Bounds and guardrails are the schema's to check. */
export function define(command: Command, ctx: CommandContext): void {
    changeCommand<{ min?: number; max?: number; fixed: boolean }>(
        command
            .argument("<service>")
            .argument("[replicas]", "fixed replica count")
            .addOption(numberOption("--min <n>", "HPA lower bound"))
            .addOption(numberOption("--max <n>", "HPA upper bound"))
            .option("--fixed", "with a replica count: take the replicas back from an HPA (which is removed)", false),
        ctx,
        ([service, replicas], o) =>
            (current) => {
                if (replicas !== undefined && (o.min !== undefined || o.max !== undefined))
                    throw new InvalidInputError("give either a replica count or --min/--max, not both");
                if (replicas !== undefined)
                    return planScaleReplicas(current, service, wholeNumber("replicas")(replicas), { fixed: o.fixed });
                if (o.min === undefined || o.max === undefined)
                    throw new InvalidInputError("give a replica count, or both --min and --max");
                return planScaleBounds(current, service, o.min, o.max);
            },
    );
}

/**
 * A fixed count, for services without an HPA. With `fixed`, an autoscaled service gets its
 * replicas back from the HPA, which is removed.
 */
export function planScaleReplicas(current: CurrentConfig, service: string, replicas: number, o: { fixed?: boolean } = {}): Plan {
    requireService(current.config, service);
    const s = current.config.services[service];
    const autoscaled = s.minReplicas !== undefined;
    if (autoscaled && !o.fixed) {
        throw new InvalidInputError(
            `${service} is autoscaled (HPA ${s.minReplicas}-${s.maxReplicas}), so its replicas belong to the HPA; use --min/--max, or ` +
                `pass --fixed to remove the HPA and run exactly ${replicas}`,
        );
    }
    const edits = [{ path: `services.${service}.replicas`, to: replicas as unknown }];
    if (autoscaled)
        edits.push({ path: `services.${service}.minReplicas`, to: undefined }, { path: `services.${service}.maxReplicas`, to: undefined });
    const plan = planEdits(
        "scale",
        `scale ${service} to ${replicas} replicas${autoscaled ? " (the HPA is removed)" : ""}`,
        current,
        edits,
        () => [service],
    );
    return autoscaled ? { ...plan, settle: `the ${service} HPA scales its Deployment until the update removes it` } : plan;
}

/** HPA bounds; a fixed-count service becomes autoscaled. */
export function planScaleBounds(current: CurrentConfig, service: string, min: number, max: number): Plan {
    requireService(current.config, service);
    return planEdits(
        "scale",
        `autoscale ${service} between ${min} and ${max} replicas`,
        current,
        [
            { path: `services.${service}.replicas`, to: undefined },
            { path: `services.${service}.minReplicas`, to: min },
            { path: `services.${service}.maxReplicas`, to: max },
        ],
        () => [service],
    );
}
