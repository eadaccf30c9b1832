import type { Command } from "commander";
import type { CommandContext } from "../commandLine/context";
import { withJson, withKubeconfig, withStack } from "../commandLine/flags";
import { print } from "../commandLine/output";
import { workloadReadiness } from "../health/workloads";
import { SIMULATED_NOTE } from "../kube/simulated";

/** `mcp-ops status`: the stack's outputs and the live rollout state of every workload. */
export function define(command: Command, ctx: CommandContext): void {
    withJson(withKubeconfig(withStack(command))).action(async (o: { stack: string; kubeconfig?: string; json: boolean }) => {
        const stack = await ctx.stack(o.stack, o.kubeconfig);
        const outputs = Object.fromEntries(
            Object.entries(await stack.stack.outputs()).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]),
        );
        const kubeconfig = ctx.kubeconfig(o.stack, o.kubeconfig);
        const workloads = kubeconfig ? await workloadReadiness(kubeconfig, ctx.config(o.stack).namespace) : undefined;
        const simulated = workloads?.some((w) => w.simulated) ?? false;
        const line = (w: NonNullable<typeof workloads>[number]) =>
            `  ${w.status.padEnd(9)} ${w.kind.toLowerCase()}/${w.name} ${w.ready}/${w.desired} ready${w.simulated ? " (simulated)" : ""}`;
        print(o.json, { outputs, workloads, ...(simulated ? { note: SIMULATED_NOTE } : {}) }, () =>
            [
                "outputs:",
                JSON.stringify(outputs, null, 2),
                "workloads:",
                ...(workloads ? workloads.map(line) : ["  (no cluster reachable)"]),
                ...(simulated ? [`note: ${SIMULATED_NOTE}`] : []),
            ].join("\n"),
        );
    });
}
