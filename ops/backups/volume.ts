import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { PassThrough, type Writable } from "node:stream";
import { finished } from "node:stream/promises";
import type { Placement } from "../../config/placement";
import { podPlacement } from "../../components/placement";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, SERVICE_UID } from "../../components/podSecurity";
import { OperationFailedError, UnavailableError } from "../errors";
import { type KubeConfig, kubeConfigFrom, loadKubeClient } from "../kube/client";
import { type StoredFile } from "./catalog";

/** The claim the Backups component declares for the volume destination, mounted at /backups by the jobs. */
export const BACKUP_CLAIM = "backups";

/** Lists every file under /backups as `relative path <tab> bytes <tab> mtime ms`, with the image's own Node.js. */
const LIST_SCRIPT = `
const fs = require("fs"), path = require("path");
const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? walk(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []);
for (const f of walk("/backups")) { const s = fs.statSync(f); console.log([path.relative("/backups", f), s.size, s.mtimeMs].join("\\t")); }
`;

export interface BackupVolume {
    /** Files of one store's folder (`redis`, `postgres`). */
    list(folder: string): Promise<StoredFile[]>;
    /** Copies `<folder>/<name>` of the volume to a local file. */
    fetch(folder: string, name: string, to: string): Promise<void>;
    close(): Promise<void>;
}

/**
 * The backup volume, read from outside the cluster: a short-lived pod mounts the claim read-only
 * (on the node that holds it, as the jobs do) and the files are listed and copied out through the
 * API server's exec, as `kubectl exec … cat` would. The pod is deleted when done.
 */
export async function openBackupVolume(
    kubeconfig: string,
    namespace: string,
    o: { image: string; placement?: Placement; readyTimeoutMs?: number },
): Promise<BackupVolume> {
    const k8s = await loadKubeClient();
    const kc = await kubeConfigFrom(kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.readNamespacedPersistentVolumeClaim({ name: BACKUP_CLAIM, namespace }).catch(() => {
        throw new UnavailableError(`no backup volume (claim ${namespace}/${BACKUP_CLAIM}); is mcp:backups.destination "volume" deployed?`);
    });
    const name = `backup-reader-${randomBytes(3).toString("hex")}`;
    await core.createNamespacedPod({
        namespace,
        body: {
            metadata: { name, labels: { "app.kubernetes.io/name": "backup-reader", "app.kubernetes.io/part-of": "mcp-platform" } },
            spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                terminationGracePeriodSeconds: 0,
                // Ends by itself should this process die before it deletes the pod.
                activeDeadlineSeconds: 3600,
                securityContext: restrictedPodSecurityContext(SERVICE_UID) as never,
                ...(podPlacement(o.placement) as object),
                containers: [
                    {
                        name: "reader",
                        image: o.image,
                        command: ["sleep", "3600"],
                        securityContext: restrictedContainerSecurityContext as never,
                        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                        volumeMounts: [{ name: "backups", mountPath: "/backups", readOnly: true }],
                    },
                ],
                volumes: [{ name: "backups", persistentVolumeClaim: { claimName: BACKUP_CLAIM, readOnly: true } }],
            },
        },
    });
    const remove = () =>
        core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).then(
            () => undefined,
            () => undefined,
        );
    try {
        await runningWithin(core, namespace, name, o.readyTimeoutMs ?? 120_000);
    } catch (error) {
        await remove();
        throw error;
    }
    return {
        async list(folder) {
            const out = new PassThrough();
            const chunks: Buffer[] = [];
            out.on("data", (c: Buffer) => chunks.push(c));
            await execIn(kc, namespace, name, ["/usr/local/bin/node", "-e", LIST_SCRIPT], out);
            return Buffer.concat(chunks)
                .toString()
                .split("\n")
                .filter(Boolean)
                .map((line) => line.split("\t"))
                .filter(([path]) => path.startsWith(`${folder}/`))
                .map(([path, bytes, mtime]) => ({
                    name: path.slice(folder.length + 1),
                    bytes: Number(bytes),
                    modified: new Date(Number(mtime)).toISOString(),
                }));
        },
        async fetch(folder, file, to) {
            const out = createWriteStream(to, { mode: 0o600 });
            await execIn(kc, namespace, name, ["cat", `/backups/${folder}/${file}`], out);
            out.end();
            await finished(out);
        },
        close: remove,
    };
}

type CoreApi = InstanceType<Awaited<ReturnType<typeof loadKubeClient>>["CoreV1Api"]>;

async function runningWithin(core: CoreApi, namespace: string, name: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const pod = await core.readNamespacedPod({ name, namespace });
        if (pod.status?.phase === "Running") return;
        const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
        if (pod.status?.phase === "Failed" || (waiting?.reason && waiting.reason !== "ContainerCreating"))
            throw new UnavailableError(
                `the pod reading the backup volume did not start: ${waiting?.reason ?? pod.status?.phase}: ${waiting?.message ?? ""}`,
            );
        if (Date.now() > deadline)
            throw new UnavailableError(
                `the pod reading the backup volume is not running after ${timeoutMs / 1000}s (${pod.status?.phase}); ` +
                    `check mcp-ops diagnose or the events of pod ${namespace}/${name}`,
            );
        await new Promise((r) => setTimeout(r, 500));
    }
}

/** Runs a command in the reader pod, its output into `stdout`; fails with its stderr when it exits non-zero. */
async function execIn(kc: KubeConfig, namespace: string, pod: string, command: string[], stdout: Writable): Promise<void> {
    const k8s = await loadKubeClient();
    const stderr: Buffer[] = [];
    const errors = new PassThrough().on("data", (c: Buffer) => stderr.push(c));
    await new Promise<void>((resolve, reject) => {
        new k8s.Exec(kc)
            .exec(namespace, pod, "reader", command, stdout, errors, null, false, (status) => {
                if (status.status === "Success") resolve();
                else
                    reject(
                        new OperationFailedError(
                            `${command[0]} in the backup reader failed: ${Buffer.concat(stderr).toString().trim() || status.message}`,
                        ),
                    );
            })
            .catch(reject);
    });
}
