import { OperationFailedError, OpsTimeoutError, UnavailableError } from "../errors";
import { kubeConfigFrom, loadKubeClient } from "./client";
import { isSimulatedNode, isSimulatedPod, SIMULATED_NOTE } from "./simulated";

export interface BackupJobResult {
    job: string;
    succeeded: boolean;
    seconds: number;
    /** The last lines the job's containers printed (the scripts name the file they wrote). */
    log: string;
}

/**
 * Runs a backup now, as `kubectl create job --from=cronjob/<store>-backup` does: a Job from the
 * CronJob's own template (so it uses the same script, credentials and destination), then waits
 * for it to finish and reports its outcome and log.
 */
export async function backupNow(
    kubeconfig: string,
    namespace: string,
    store: "redis" | "postgres",
    options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<BackupJobResult> {
    const client = await loadKubeClient();
    const kc = await kubeConfigFrom(kubeconfig);
    const batch = kc.makeApiClient(client.BatchV1Api);
    const core = kc.makeApiClient(client.CoreV1Api);
    const cronJobName = `${store}-backup`;
    const cron = await batch.readNamespacedCronJob({ name: cronJobName, namespace }).catch(() => {
        throw new UnavailableError(`no CronJob ${namespace}/${cronJobName}; is mcp:backups.enabled true and the stack deployed?`);
    });
    const job = `${cronJobName}-manual-${new Date()
        .toISOString()
        .replace(/[-:T.Z]/g, "")
        .slice(0, 14)}`;
    const started = Date.now();
    await batch.createNamespacedJob({
        namespace,
        body: {
            metadata: {
                name: job,
                labels: cron.spec?.jobTemplate.metadata?.labels,
                annotations: { "cronjob.kubernetes.io/instantiate": "manual" },
                ownerReferences: [
                    { apiVersion: "batch/v1", kind: "CronJob", name: cronJobName, uid: cron.metadata!.uid!, controller: false },
                ],
            },
            spec: cron.spec!.jobTemplate.spec,
        },
    });
    const deadline = started + (options.timeoutMs ?? 1_800_000);
    for (;;) {
        const status = (await batch.readNamespacedJob({ name: job, namespace })).status ?? {};
        const done =
            (status.succeeded ?? 0) > 0 ||
            status.conditions?.some((c) => (c.type === "Failed" || c.type === "Complete") && c.status === "True");
        if (done) {
            const pods = await core.listNamespacedPod({ namespace, labelSelector: `job-name=${job}` });
            const simulatedNodes = new Set(
                (await core.listNode().catch(() => ({ items: [] }))).items.filter(isSimulatedNode).map((n) => n.metadata!.name!),
            );
            if (pods.items.length > 0 && pods.items.every((pod) => isSimulatedPod(pod, simulatedNodes))) {
                const nodes = [...new Set(pods.items.map((pod) => pod.spec!.nodeName!))].join(", ");
                const instead =
                    store === "redis"
                        ? "mcp-ops redis backup --url <url> --out <file>"
                        : "pg_dump --format=custom against a running server";
                throw new UnavailableError(
                    `backup job ${job} was created from the CronJob and reported done on ${nodes}, but ${SIMULATED_NOTE}: nothing was ` +
                        `backed up. Take a real backup from a running store: ${instead}`,
                );
            }
            const logs: string[] = [];
            for (const pod of pods.items) {
                for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
                    const text = await core
                        .readNamespacedPodLog({ name: pod.metadata!.name!, namespace, container: c.name, tailLines: 5 })
                        .catch(() => "");
                    if (text) logs.push(String(text).trim());
                }
            }
            const result = {
                job,
                succeeded: (status.succeeded ?? 0) > 0,
                seconds: Math.round((Date.now() - started) / 1000),
                log: logs.join("\n"),
            };
            if (!result.succeeded)
                throw Object.assign(new OperationFailedError(`backup job ${job} failed; its log:\n${result.log || "(no log)"}`), {
                    result,
                });
            return result;
        }
        if (Date.now() > deadline)
            throw new OpsTimeoutError(`backup job ${job} has not finished; follow it with: kubectl -n ${namespace} get job ${job}`);
        await new Promise((r) => setTimeout(r, options.pollMs ?? 2000));
    }
}
