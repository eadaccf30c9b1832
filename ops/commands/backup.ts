import type { Command } from "commander";
import { InvalidInputError } from "../errors";
import type { CommandContext } from "../commandLine/context";
import { numberOption, withJson, withKubeconfig, withStack } from "../commandLine/flags";
import { print } from "../commandLine/output";
import { backupNow } from "../kube/backupNow";

/**
 * `mcp-ops backup now <store>`: a backup beyond the schedule, from the store's CronJob, waited
 * for and reported. Copies to this machine are `mcp-ops redis backup`; the CronJobs themselves
 * are declared by the Backups component.
 */
export function define(command: Command, ctx: CommandContext): void {
    withJson(
        withKubeconfig(withStack(command.command("now").description("run a backup now from its CronJob, wait for it, report the result"))),
    )
        .argument("<store>", "redis or postgres")
        .addOption(numberOption("--timeout <s>", "seconds to wait").default(1800))
        .action(async (store: string, o: { stack: string; kubeconfig?: string; timeout: number; json: boolean }) => {
            if (store !== "redis" && store !== "postgres") throw new InvalidInputError(`"${store}" is not a store; use redis or postgres`);
            const { kubeconfig, namespace } = ctx.cluster(o.stack, o.kubeconfig);
            const result = await backupNow(kubeconfig, namespace, store, { timeoutMs: o.timeout * 1000 });
            print(o.json, result, () => `backup ${result.job} succeeded in ${result.seconds}s${result.log ? `\n${result.log}` : ""}`);
        });
}
