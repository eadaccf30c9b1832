import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { report } from "../commandLine/output";
import type { CommandContext } from "../commandLine/context";
import { InvalidInputError, UnavailableError } from "../errors";
import { openBackupBucket } from "./bucket";
import { type BackedUpStore, catalogBackups, pickBackup, type ScheduledBackup, type StoredFile } from "./catalog";
import { openBackupVolume } from "./volume";

/** The backups the CronJobs keep, wherever the stack's config keeps them. */
export interface ScheduledBackups {
    /** Where they are, for messages: the volume's claim, or the bucket. */
    where: string;
    list(store: BackedUpStore): Promise<ScheduledBackup[]>;
    /** Copies one backup (`newest` or its name) and its manifest, when it has one, into `dir`. */
    fetch(store: BackedUpStore, name: string, dir: string): Promise<FetchedBackup>;
    close(): Promise<void>;
}

export interface FetchedBackup {
    backup: ScheduledBackup;
    file: string;
    manifest?: string;
}

interface Files {
    list(folder: string): Promise<StoredFile[]>;
    fetch(folder: string, name: string, to: string): Promise<void>;
    close(): Promise<void>;
}

/**
 * Opens the stack's backup location: the backup volume through a reader pod (destination
 * "volume"), or the bucket (destination "s3", named by mcp:aws.bucketName or the stack's output).
 */
export async function openScheduledBackups(ctx: CommandContext, stack: string, kubeconfigFlag?: string): Promise<ScheduledBackups> {
    const config = ctx.config(stack);
    if (!config.backups.enabled) throw new InvalidInputError(`stack ${stack} takes no scheduled backups (mcp:backups.enabled is false)`);
    let files: Files;
    let where: string;
    if (config.backups.destination === "volume") {
        const { kubeconfig, namespace } = ctx.cluster(stack, kubeconfigFlag);
        files = await openBackupVolume(kubeconfig, namespace, { image: config.backups.opsImage, placement: config.backups.placement });
        where = `volume ${namespace}/backups`;
    } else {
        const bucket = config.aws.bucketName ?? (await deployedBucket(ctx, stack, kubeconfigFlag));
        files = await openBackupBucket(bucket, config.aws.region ?? "us-east-1");
        where = `s3://${bucket}`;
    }
    const list = async (store: BackedUpStore) => catalogBackups(store, await files.list(store));
    return {
        where,
        list,
        async fetch(store, name, dir) {
            const backup = pickBackup(store, await list(store), name);
            const file = join(dir, backup.name);
            await files.fetch(store, backup.name, file);
            if (backup.manifest !== "present") return { backup, file };
            await files.fetch(store, `${backup.name}.json`, `${file}.json`);
            return { backup, file, manifest: `${file}.json` };
        },
        close: () => files.close(),
    };
}

async function deployedBucket(ctx: CommandContext, stack: string, kubeconfigFlag?: string): Promise<string> {
    const outputs = await (await ctx.stack(stack, kubeconfigFlag)).stack.outputs();
    const bucket = (outputs.backups?.value as { bucket?: string } | undefined)?.bucket;
    if (!bucket) throw new UnavailableError(`stack ${stack} has no backup bucket in its outputs; deploy it first (pulumi up)`);
    return bucket;
}

/**
 * Runs `work` on a local copy of one scheduled backup (and its manifest), in a private temporary
 * folder removed afterwards: a restore or drill of a scheduled backup is the same as of a file.
 */
export async function withScheduledBackup<T>(
    ctx: CommandContext,
    o: { stack: string; kubeconfig?: string },
    store: BackedUpStore,
    name: string,
    work: (fetched: FetchedBackup) => Promise<T>,
): Promise<T> {
    const dir = mkdtempSync(join(tmpdir(), `mcp-${store}-backup-`));
    try {
        const backups = await openScheduledBackups(ctx, o.stack, o.kubeconfig);
        let fetched: FetchedBackup;
        try {
            fetched = await backups.fetch(store, name, dir);
        } finally {
            await backups.close();
        }
        report(`fetched ${store} backup ${fetched.backup.name} (${fetched.backup.bytes} bytes) from ${backups.where}`);
        return await work(fetched);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
