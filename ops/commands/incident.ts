import type { Command } from "commander";
import type { CommandContext } from "../commandLine/context";
import { withJson, withKubeconfig, withStack } from "../commandLine/flags";
import { print } from "../commandLine/output";
import { collectEvidence } from "../kube/evidence";

/** `mcp-ops incident evidence`: the security incident runbook's first step, a checksummed evidence bundle. */
export function define(command: Command, ctx: CommandContext): void {
    const evidence = command
        .command("evidence")
        .description("preserve events, pods, workloads, policies, logs and stack history in a checksummed bundle");
    withJson(withKubeconfig(withStack(evidence)), "the manifest")
        .option("--out <dir>", "where to write the bundle (default: incident-<time>)")
        .action(async (o: { stack: string; kubeconfig?: string; out?: string; json: boolean }) => {
            const { kubeconfig, namespace } = ctx.cluster(o.stack, o.kubeconfig);
            const out = o.out ?? `incident-${new Date().toISOString().replace(/[:.]/g, "-")}`;
            const manifest = await collectEvidence(kubeconfig, namespace, out, { history: await stackHistoryOrWhy(ctx, o.stack) });
            print(o.json, manifest, () => `evidence written to ${out}: ${manifest.files.length} files (MANIFEST.json has their checksums)`);
        });
}

/** Evidence is collected even when the state backend is out of reach; the bundle then says why the history is missing. */
async function stackHistoryOrWhy(ctx: CommandContext, stack: string): Promise<unknown> {
    try {
        return await (await ctx.stack(stack)).history(100);
    } catch (error) {
        return { unavailable: (error as Error).message.split("\n")[0] };
    }
}
