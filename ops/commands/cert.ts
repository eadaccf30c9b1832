import type { Command } from "commander";
import type { CommandContext } from "../commandLine/context";
import { numberOption, withJson, withKubeconfig, withStack, withYes } from "../commandLine/flags";
import { print, report } from "../commandLine/output";
import { renewCertificate } from "../kube/certificates";

/** `mcp-ops cert renew`: force renewal of a cert-manager Certificate and report the new expiry. */
export function define(command: Command, ctx: CommandContext): void {
    const renew = command
        .command("renew")
        .description("force renewal of the gateway certificate (as cert-manager's CLI does) and report the new expiry");
    withJson(withYes(withKubeconfig(withStack(renew)), "renew"))
        .option("--name <certificate>", "Certificate to renew", "gateway")
        .addOption(numberOption("--timeout <s>", "seconds to wait for the new certificate").default(300))
        .action(async (o: { stack: string; kubeconfig?: string; name: string; timeout: number; yes: boolean; json: boolean }) => {
            const { kubeconfig, namespace } = ctx.cluster(o.stack, o.kubeconfig);
            await ctx.confirm(`re-issue certificate ${namespace}/${o.name} now`, o);
            const result = await renewCertificate(kubeconfig, namespace, o.name, { timeoutMs: o.timeout * 1000, onProgress: report });
            print(
                o.json,
                result,
                () =>
                    `${result.certificate} renewed in ${result.seconds}s: expires ${result.notAfter} (was ` +
                    `${result.previousNotAfter ?? "not issued"})`,
            );
        });
}
