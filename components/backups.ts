import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BackupsConfig } from "../config/schema";
import { REDIS_BACKUP_SCRIPT, S3_FETCH_NEWEST_SCRIPT, S3_UPLOAD_SCRIPT, VOLUME_PRUNE_SCRIPT } from "./backupScripts";
import { ANNOTATIONS, selectorLabels, workloadLabels } from "./labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, SERVICE_UID, tmpMount, tmpVolume } from "./podSecurity";
import { workloadNetworkPolicy } from "./networkPolicy";
import { podPlacement } from "./placement";
import { envFromSecret, type SecretRef } from "./secretRef";
import { BACKUP_DRILL_WORKLOAD, BACKUP_WORKLOAD, type TrafficRules } from "./traffic";

/** A store to back up: where it is, which image has its client, and its credential. */
export interface BackupSource {
    host: pulumi.Input<string>;
    port: number;
    /** Image that takes the dump: Redis's own (redis-cli), or the ops image (mcp-ops and pg_dump) for PostgreSQL. */
    image: pulumi.Input<string>;
    password: SecretRef;
}

export type BackupDestination =
    { kind: "volume"; size: string } | { kind: "s3"; bucketName: pulumi.Input<string>; roleArn: pulumi.Input<string>; region: string };

export interface BackupsArgs {
    namespace: pulumi.Input<string>;
    /** The validated `mcp:backups` config (schedules, retention, deadlines, uploader image). */
    config: BackupsConfig;
    redis?: BackupSource;
    postgres?: BackupSource & { database: string; user: string };
    destination: BackupDestination;
    traffic: TrafficRules;
    /** The restore drill's traffic: the bucket's HTTPS, or nothing. */
    drillTraffic: TrafficRules;
}

/** The backup jobs' ServiceAccount; the S3 role trusts exactly this name. */
export const BACKUP_SERVICE_ACCOUNT = "backup";

const jobResources = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } };

/**
 * Scheduled backups: a CronJob per store (Forbid concurrency, deadlines, bounded history) that
 * dumps the store and then uploads to S3 or prunes the backup volume to the retention.
 * `mcp-ops backup now` creates a Job from these CronJobs.
 */
export class Backups extends pulumi.ComponentResource {
    /** CronJob names by store, for `mcp-ops backup now`. */
    readonly cronJobs: Record<string, pulumi.Output<string>> = {};
    /** The monthly restore drill's CronJob by store. */
    readonly drillCronJobs: Record<string, pulumi.Output<string>> = {};

    constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp:backup:Backups", name, {}, opts);
        const { config, destination } = args;
        const labels = workloadLabels(BACKUP_WORKLOAD, "backup");
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels });

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            {
                metadata: {
                    ...metadata(BACKUP_SERVICE_ACCOUNT),
                    annotations: destination.kind === "s3" ? { "eks.amazonaws.com/role-arn": destination.roleArn } : undefined,
                },
                automountServiceAccountToken: false,
            },
            { parent: this },
        );

        const scripts = {
            "redis-backup.sh": REDIS_BACKUP_SCRIPT,
            "s3-upload.sh": S3_UPLOAD_SCRIPT,
            "s3-fetch-newest.sh": S3_FETCH_NEWEST_SCRIPT,
            "volume-prune.sh": VOLUME_PRUNE_SCRIPT,
        };
        const scriptsMap = new k8s.core.v1.ConfigMap(
            `${name}-scripts`,
            { metadata: metadata("backup-scripts"), data: scripts },
            { parent: this },
        );

        let backupVolume: k8s.types.input.core.v1.Volume;
        if (destination.kind === "volume") {
            const claim = new k8s.core.v1.PersistentVolumeClaim(
                `${name}-volume`,
                {
                    metadata: metadata("backups"),
                    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: destination.size } } },
                },
                { parent: this, protect: false },
            );
            backupVolume = { name: "out", persistentVolumeClaim: { claimName: claim.metadata.name } };
        } else {
            backupVolume = { name: "out", emptyDir: { sizeLimit: "20Gi" } };
        }

        workloadNetworkPolicy(name, metadata(BACKUP_WORKLOAD), selectorLabels(BACKUP_WORKLOAD), args.traffic, this);

        const outDirOf = (store: "redis" | "postgres") => (destination.kind === "volume" ? `/backups/${store}` : "/backups");
        const cronJob = (
            store: "redis" | "postgres",
            schedule: string,
            source: BackupSource,
            dump: { command: pulumi.Input<pulumi.Input<string>[]>; env: k8s.types.input.core.v1.EnvVar[] },
        ) => {
            const finish =
                destination.kind === "s3"
                    ? {
                          name: "upload",
                          image: config.uploaderImage,
                          command: ["sh", "/scripts/s3-upload.sh"],
                          env: [...storeFolderInBucket(destination, store), { name: "HOME", value: "/tmp" }],
                      }
                    : {
                          name: "prune",
                          image: source.image,
                          command: ["sh", "/scripts/volume-prune.sh"],
                          env: [{ name: "RETENTION_DAYS", value: String(config.retentionDays) }],
                      };
            const mounts = [{ name: "out", mountPath: "/backups" }, { name: "scripts", mountPath: "/scripts", readOnly: true }, tmpMount];
            const container = (spec: {
                name: string;
                image: pulumi.Input<string>;
                command: pulumi.Input<pulumi.Input<string>[]>;
                env: k8s.types.input.core.v1.EnvVar[];
            }) => ({
                ...spec,
                env: [...spec.env, { name: "OUT_DIR", value: outDirOf(store) }],
                resources: jobResources,
                securityContext: restrictedContainerSecurityContext,
                volumeMounts: mounts,
            });
            const job = new k8s.batch.v1.CronJob(
                `${name}-${store}`,
                {
                    metadata: metadata(`${store}-backup`),
                    spec: {
                        schedule,
                        concurrencyPolicy: "Forbid",
                        startingDeadlineSeconds: config.startingDeadlineSeconds,
                        successfulJobsHistoryLimit: 3,
                        failedJobsHistoryLimit: 3,
                        jobTemplate: {
                            metadata: { labels },
                            spec: {
                                backoffLimit: 1,
                                activeDeadlineSeconds: config.activeDeadlineSeconds,
                                ttlSecondsAfterFinished: 7 * 24 * 3600,
                                template: {
                                    metadata: { labels, annotations: { [ANNOTATIONS.secretsChecksum]: source.password.checksum } },
                                    spec: {
                                        restartPolicy: "Never",
                                        serviceAccountName: serviceAccount.metadata.name,
                                        automountServiceAccountToken: false,
                                        securityContext: restrictedPodSecurityContext(SERVICE_UID),
                                        ...podPlacement(config.placement),
                                        initContainers: [
                                            container({
                                                name: "dump",
                                                image: source.image,
                                                command: dump.command,
                                                env: [...dump.env, { name: "HOME", value: "/tmp" }],
                                            }),
                                        ],
                                        containers: [container(finish)],
                                        volumes: [
                                            backupVolume,
                                            { name: "scripts", configMap: { name: scriptsMap.metadata.name } },
                                            tmpVolume,
                                        ],
                                    },
                                },
                            },
                        },
                    },
                },
                { parent: this },
            );
            this.cronJobs[store] = job.metadata.name;
        };

        if (args.redis) {
            const r = args.redis;
            cronJob("redis", config.redisSchedule, r, {
                command: ["sh", "/scripts/redis-backup.sh"],
                env: [
                    { name: "REDIS_HOST", value: r.host },
                    { name: "STORE_REACH_SECONDS", value: String(STORE_REACH_SECONDS) },
                    { name: "REDIS_PORT", value: String(r.port) },
                    envFromSecret("REDISCLI_AUTH", r.password),
                ],
            });
        }
        if (args.postgres) {
            const p = args.postgres;
            // The same command an operator runs, so a scheduled backup has the same manifest and passes the same drill.
            cronJob("postgres", config.postgresSchedule, p, {
                command: postgresBackupCommand({ ...p, outDir: outDirOf("postgres") }),
                env: [envFromSecret("PGPASSWORD", p.password)],
            });
        }

        for (const store of [args.redis && "redis", args.postgres && "postgres"].filter((s): s is "redis" | "postgres" => !!s)) {
            this.drillCronJobs[store] = this.declareDrill(name, store, args, scriptsMap, backupVolume).metadata.name;
        }
        workloadNetworkPolicy(
            `${name}-drill`,
            metadata(BACKUP_DRILL_WORKLOAD),
            selectorLabels(BACKUP_DRILL_WORKLOAD),
            args.drillTraffic,
            this,
        );

        this.registerOutputs({ cronJobs: this.cronJobs, drillCronJobs: this.drillCronJobs });
    }

    /**
     * The restore drill of a store's newest backup: `mcp-ops backup drill <store> --dir` in the ops
     * image (PostgreSQL and redis-server for the scratch servers), on the backup volume mounted
     * read-only, or on a copy fetched from the bucket first. A failed drill fails its Job, which
     * McpBackupDrillFailed reports.
     */
    private declareDrill(
        name: string,
        store: "redis" | "postgres",
        args: BackupsArgs,
        scripts: k8s.core.v1.ConfigMap,
        backupVolume: k8s.types.input.core.v1.Volume,
    ): k8s.batch.v1.CronJob {
        const { config, destination } = args;
        const labels = workloadLabels(BACKUP_DRILL_WORKLOAD, "backup");
        const fromBucket = destination.kind === "s3";
        const dir = fromBucket ? "/drill" : `/backups/${store}`;
        const fetch = fromBucket
            ? [
                  {
                      name: "fetch",
                      image: config.uploaderImage,
                      command: ["sh", "/scripts/s3-fetch-newest.sh"],
                      env: [...storeFolderInBucket(destination, store), { name: "OUT_DIR", value: dir }, { name: "HOME", value: "/tmp" }],
                      resources: jobResources,
                      securityContext: restrictedContainerSecurityContext,
                      volumeMounts: [
                          { name: "drill", mountPath: dir },
                          { name: "scripts", mountPath: "/scripts", readOnly: true },
                          tmpMount,
                      ],
                  },
              ]
            : [];
        return new k8s.batch.v1.CronJob(
            `${name}-${store}-drill`,
            {
                metadata: { name: `${store}-backup-drill`, namespace: args.namespace, labels },
                spec: {
                    schedule: config.drillSchedule,
                    concurrencyPolicy: "Forbid",
                    startingDeadlineSeconds: config.startingDeadlineSeconds,
                    successfulJobsHistoryLimit: 1,
                    failedJobsHistoryLimit: 3,
                    jobTemplate: {
                        metadata: { labels },
                        spec: {
                            backoffLimit: 0,
                            activeDeadlineSeconds: config.activeDeadlineSeconds,
                            ttlSecondsAfterFinished: 40 * 24 * 3600,
                            template: {
                                metadata: { labels },
                                spec: {
                                    restartPolicy: "Never",
                                    serviceAccountName: BACKUP_SERVICE_ACCOUNT,
                                    automountServiceAccountToken: false,
                                    securityContext: restrictedPodSecurityContext(SERVICE_UID),
                                    ...podPlacement(config.placement),
                                    initContainers: fetch,
                                    containers: [
                                        {
                                            name: "drill",
                                            image: config.opsImage,
                                            command: ["mcp-ops", "backup", "drill", store, "--dir", dir],
                                            env: [{ name: "HOME", value: "/tmp" }],
                                            // The scratch server holds the whole backup: room for it, and for PostgreSQL's own.
                                            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
                                            securityContext: restrictedContainerSecurityContext,
                                            volumeMounts: [
                                                fromBucket
                                                    ? { name: "drill", mountPath: dir, readOnly: true }
                                                    : { name: "out", mountPath: "/backups", readOnly: true },
                                                tmpMount,
                                            ],
                                        },
                                    ],
                                    volumes: [
                                        fromBucket ? { name: "drill", emptyDir: { sizeLimit: "20Gi" } } : backupVolume,
                                        { name: "scripts", configMap: { name: scripts.metadata.name } },
                                        { name: "tmp", emptyDir: { sizeLimit: "20Gi" } },
                                    ],
                                },
                            },
                        },
                    },
                },
            },
            { parent: this },
        );
    }
}

/** Where a store's backups go in the bucket, for the AWS CLI's scripts: `s3://$BUCKET/$PREFIX/`. */
function storeFolderInBucket(destination: Extract<BackupDestination, { kind: "s3" }>, store: string): k8s.types.input.core.v1.EnvVar[] {
    return [
        { name: "BUCKET", value: destination.bucketName },
        { name: "PREFIX", value: store },
        { name: "AWS_REGION", value: destination.region },
    ];
}

/**
 * `mcp-ops postgres backup` as the CronJob runs it: a dump and its manifest of one snapshot in
 * `outDir`, the password from PGPASSWORD (the store's Secret), never in the command.
 */
/** How long a backup job keeps trying to reach its store before it fails. */
export const STORE_REACH_SECONDS = 60;

export function postgresBackupCommand(p: {
    host: pulumi.Input<string>;
    port: number;
    database: string;
    user: string;
    outDir: string;
}): pulumi.Output<string[]> {
    return pulumi.output(p.host).apply((host) => {
        const url = `postgres://${encodeURIComponent(p.user)}@${host}:${p.port}/${encodeURIComponent(p.database)}`;
        // A job's new pod may wait seconds for the network policies that let it reach the store.
        return ["mcp-ops", "postgres", "backup", "--url", url, "--out", p.outDir, "--wait", String(STORE_REACH_SECONDS)];
    });
}
