import type { Command } from "commander";
import { InvalidInputError } from "../errors";
import { changeCommand } from "../commandLine/change";
import type { CommandContext } from "../commandLine/context";
import { planEdits } from "../plan/edit";
import { requireService } from "../plan/services";
import type { CurrentConfig, Plan } from "../plan/types";

type Quantities = { cpu?: string; memory?: string };

/** `mcp-ops resources <service> --cpu C --memory M`: limits, optionally requests; quantities and guardrails are the schema's to check. */
export function define(command: Command, ctx: CommandContext): void {
    changeCommand<{ cpu?: string; memory?: string; requestCpu?: string; requestMemory?: string }>(
        command.argument("<service>").option("--cpu <q>").option("--memory <q>").option("--request-cpu <q>").option("--request-memory <q>"),
        ctx,
        ([service], o) =>
            (current) =>
                planResources(current, service, { cpu: o.cpu, memory: o.memory }, { cpu: o.requestCpu, memory: o.requestMemory }),
    );
}

export function planResources(current: CurrentConfig, service: string, limits: Quantities, requests: Quantities = {}): Plan {
    requireService(current.config, service);
    if (!limits.cpu && !limits.memory && !requests.cpu && !requests.memory) {
        throw new InvalidInputError("give at least one of --cpu, --memory, --request-cpu, --request-memory");
    }
    const now = current.config.services[service].resources;
    const resources = {
        requests: { cpu: requests.cpu ?? now.requests.cpu, memory: requests.memory ?? now.requests.memory },
        limits: { cpu: limits.cpu ?? now.limits.cpu, memory: limits.memory ?? now.limits.memory },
    };
    const what = [
        limits.cpu && `cpu ${limits.cpu}`,
        limits.memory && `memory ${limits.memory}`,
        requests.cpu && `cpu request ${requests.cpu}`,
        requests.memory && `memory request ${requests.memory}`,
    ];
    return planEdits(
        "resources",
        `set ${service} ${what.filter(Boolean).join(", ")}`,
        current,
        [{ path: `services.${service}.resources`, to: resources }],
        () => [service],
    );
}
