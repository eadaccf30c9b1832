import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { type BackedUpStore, pickBackup, type ScheduledBackup } from "../backups/catalog";
import { drillBackup, newestInFolder } from "../backups/drill";
import { openScheduledBackups, withScheduledBackup } from "../backups/scheduled";
import { InvalidInputError, VerificationFailedError } from "../errors";
import type { CommandContext } from "../commandLine/context";
import { numberOption, withJson, withKubeconfig, withStack } from "../commandLine/flags";
import { print, report } from "../commandLine/output";
import { backupNow } from "../kube/backupNow";

const STORES: BackedUpStore[] = ["redis", "postgres"];

function storeArgument(store: string): BackedUpStore {
    if (store !== "redis" && store !== "postgres") throw new InvalidInputError(`"${store}" is not a store; use redis or postgres`);
    return store;
}

const age = (seconds: number) =>
    seconds < 3600
        ? `${Math.round(seconds / 60)}m`
        : seconds < 172_800
          ? `${Math.round(seconds / 3600)}h`
          : `${Math.round(seconds / 86_400)}d`;
const row = (b: ScheduledBackup) =>
    `  ${b.store.padEnd(8)} ${b.name.padEnd(40)} ${String(b.bytes).padStart(12)} bytes  ${age(b.ageSeconds).padStart(4)} old  ` +
    `manifest ${b.manifest}`;

/**
 * `mcp-ops backup …`: backups beyond the schedule (`now`), and the scheduled ones where the
 * CronJobs keep them (the backup volume or the bucket): `list`, `fetch`, `drill`. Restores take
 * them by name: `postgres restore --scheduled <name|newest> --target <db>`, `redis restore
 * --scheduled <name|newest> --live`.
 */
export function define(command: Command, ctx: CommandContext): void {
    withJson(
        withKubeconfig(withStack(command.command("now").description("run a backup now from its CronJob, wait for it, report the result"))),
    )
        .argument("<store>", "redis or postgres")
        .addOption(numberOption("--timeout <s>", "seconds to wait").default(1800))
        .action(async (store: string, o: { stack: string; kubeconfig?: string; timeout: number; json: boolean }) => {
            const { kubeconfig, namespace } = ctx.cluster(o.stack, o.kubeconfig);
            const result = await backupNow(kubeconfig, namespace, storeArgument(store), { timeoutMs: o.timeout * 1000 });
            print(o.json, result, () => `backup ${result.job} succeeded in ${result.seconds}s${result.log ? `\n${result.log}` : ""}`);
        });

    withJson(withKubeconfig(withStack(command.command("list").description("the backups the CronJobs keep: age, size, manifest"))))
        .argument("[store]", "redis or postgres (default both)")
        .action(async (store: string | undefined, o: { stack: string; kubeconfig?: string; json: boolean }) => {
            const stores = store ? [storeArgument(store)] : STORES;
            const backups = await openScheduledBackups(ctx, o.stack, o.kubeconfig);
            try {
                const found = (await Promise.all(stores.map((s) => backups.list(s)))).flat();
                print(o.json, { where: backups.where, backups: found }, () =>
                    [`backups in ${backups.where}, newest first:`, ...(found.length ? found.map(row) : ["  (none)"])].join("\n"),
                );
            } finally {
                await backups.close();
            }
        });

    withJson(withKubeconfig(withStack(command.command("fetch").description("copy a kept backup (and its manifest) to this machine"))))
        .argument("<store>", "redis or postgres")
        .argument("[name]", "the backup's name (mcp-ops backup list), or newest", "newest")
        .option("--out <dir>", "folder to copy it into", ".")
        .option("--force", "replace files already there", false)
        .action(
            async (store: string, name: string, o: { stack: string; kubeconfig?: string; out: string; force: boolean; json: boolean }) => {
                const which = storeArgument(store);
                mkdirSync(o.out, { recursive: true });
                const backups = await openScheduledBackups(ctx, o.stack, o.kubeconfig);
                try {
                    const chosen = pickBackup(which, await backups.list(which), name);
                    if (existsSync(join(o.out, chosen.name)) && !o.force)
                        throw new InvalidInputError(`${join(o.out, chosen.name)} already exists; choose another --out or pass --force`);
                    const fetched = await backups.fetch(which, chosen.name, o.out);
                    print(
                        o.json,
                        fetched,
                        () => `copied ${fetched.file}${fetched.manifest ? ` and ${fetched.manifest}` : ""} from ${backups.where}`,
                    );
                } finally {
                    await backups.close();
                }
            },
        );

    withJson(
        withKubeconfig(
            withStack(
                command
                    .command("drill")
                    .description("restore the newest kept backup (or one by name) into a scratch server and verify it; the monthly drill"),
            ),
        ),
    )
        .argument("<store>", "redis or postgres")
        .argument("[name]", "the backup's name, or newest", "newest")
        .option("--dir <folder>", "take the newest backup from this folder (the drill CronJob: the backup volume, mounted)")
        .action(async (store: string, name: string, o: { stack: string; kubeconfig?: string; dir?: string; json: boolean }) => {
            const which = storeArgument(store);
            const drill = o.dir
                ? await (async () => {
                      const { backup, file } = newestInFolder(which, o.dir!);
                      report(`drilling ${which} backup ${backup.name} (${backup.bytes} bytes, ${age(backup.ageSeconds)} old)`);
                      return drillBackup(which, backup, file);
                  })()
                : await withScheduledBackup(ctx, o, which, name, (fetched) => drillBackup(which, fetched.backup, fetched.file));
            print(o.json, drill, () => drill.report);
            if (!drill.ok) throw new VerificationFailedError(`the drill of ${which} backup ${drill.backup.name} failed`);
        });
}
