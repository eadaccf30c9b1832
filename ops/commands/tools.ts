import type { Command } from "commander";
import { mcpServers, probeToken } from "../../config/probeTargets";
import { PROBER_WORKLOAD, runsProber } from "../../components/traffic";
import { InvalidInputError, UnavailableError } from "../errors";
import { changeCommand } from "../commandLine/change";
import type { CommandContext } from "../commandLine/context";
import { collect, numberOption } from "../commandLine/flags";
import { lockOf } from "../health/catalog";
import { checkMcp } from "../health/checks";
import { healthTargets, parseEndpoints } from "../health/targets";
import { openHealthTunnels } from "../health/tunnels";
import { planEdits } from "../plan/edit";
import type { CurrentConfig, Plan } from "../plan/types";

/**
 * `mcp-ops tools lock`: records each MCP server's tool catalog as reviewed (names, and hashes of
 * every input schema and description) into mcp:services.<server>.toolLock, as a change of the
 * stack like any other; the prober and `mcp-ops health` then report whatever differs from it.
 */
export function define(command: Command, ctx: CommandContext): void {
    changeCommand<{ server?: string; endpoint: string[]; timeout: number }>(
        command
            .command("lock")
            .description("record each MCP server's current tools (hashes of input schema and description) as the reviewed catalog")
            .option("--server <name>", "only this server")
            .option(
                "--endpoint <name=url>",
                "reach a server at this base URL (repeatable); default: a port-forward of its own when a cluster is known",
                collect,
                [],
            )
            .addOption(numberOption("--timeout <ms>", "per-server timeout").default(10_000)),
        ctx,
        (_args, o) => async (current) => {
            const endpoints = parseEndpoints(o.endpoint);
            const kubeconfig = ctx.kubeconfig(o.stack, o.kubeconfig);
            if (!kubeconfig) return planToolLock(current, { server: o.server, endpoints, timeoutMs: o.timeout });
            // From outside the cluster (a laptop, a CI runner): each server without --endpoint through its own port-forward.
            const targets = healthTargets(current.config, endpoints).filter((t) => o.server === undefined || t.name === o.server);
            const tunnels = await openHealthTunnels(current.config, targets, kubeconfig, { endpoints });
            try {
                return await planToolLock(current, {
                    server: o.server,
                    endpoints: { ...endpoints, ...tunnels.endpoints },
                    unreachable: tunnels.unreachable,
                    timeoutMs: o.timeout,
                });
            } finally {
                tunnels.close();
            }
        },
    );
}

export async function planToolLock(
    current: CurrentConfig,
    o: {
        server?: string;
        endpoints: Record<string, string>;
        /** Servers no port-forward could reach, with why. */
        unreachable?: Record<string, string>;
        timeoutMs: number;
        env?: NodeJS.ProcessEnv;
    },
): Promise<Plan> {
    const servers = mcpServers(current.config);
    if (o.server !== undefined && !servers.includes(o.server)) {
        throw new InvalidInputError(
            `"${o.server}" is not an MCP server of this stack (a service with expected tools); use one of: ${servers.join(", ")}`,
        );
    }
    const targets = healthTargets(current.config, o.endpoints).filter((t) => o.server === undefined || t.name === o.server);
    const locks = await Promise.all(
        targets.map(async (t) => {
            const unreachable = o.unreachable?.[t.name];
            if (unreachable) throw new UnavailableError(`cannot read the tools of ${t.name}: ${unreachable}; nothing was locked`);
            const checked = await checkMcp(t.mcpUrl, o.timeoutMs, probeToken(t, o.env));
            if (!checked.ok) {
                throw new UnavailableError(
                    `cannot read the tools of ${t.name} at ${t.mcpUrl}: ${checked.error}; nothing was locked` +
                        (o.endpoints[t.name] ? "" : `; reach it with --endpoint ${t.name}=<url> (e.g. after kubectl port-forward)`),
                );
            }
            return { name: t.name, lock: lockOf(checked.listed ?? []) };
        }),
    );
    const summary = `lock the tool catalog of ${locks.map((l) => `${l.name} (${Object.keys(l.lock).length} tools)`).join(", ")}`;
    const rollouts = runsProber(current.config) ? [PROBER_WORKLOAD] : [];
    return planEdits(
        "tools-lock",
        summary,
        current,
        locks.map((l) => ({ path: `services.${l.name}.toolLock`, to: l.lock })),
        () => rollouts,
    );
}
