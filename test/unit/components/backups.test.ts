import { describe, expect, it } from "vitest";
import { BackupBucket } from "../../../components/backupBucket";
import { Backups } from "../../../components/backups";
import { backupsSchema } from "../../../config/schema";
import { declareComponent, noTraffic, secretRef } from "../../support/component";
import { K8S } from "../../support/platform";

const redis = { host: "redis", port: 6379, image: "redis:7.4.2-alpine", password: secretRef("redis-password") };

describe("Backups", () => {
    it("schedules one CronJob per store that never overlaps itself and gives up in time", async () => {
        const config = backupsSchema.parse({ redisSchedule: "0 3 * * *" });
        const d = await declareComponent(
            () =>
                new Backups("backups", {
                    namespace: "ns",
                    config,
                    redis,
                    destination: { kind: "volume", size: "5Gi" },
                    traffic: noTraffic,
                    drillTraffic: noTraffic,
                }),
        );
        const job = d.named(K8S.cronJob, "backups-redis").inputs;
        expect(job.metadata.name).toBe("redis-backup");
        expect(job.spec).toMatchObject({
            schedule: "0 3 * * *",
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: config.startingDeadlineSeconds,
        });
        expect(job.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(config.activeDeadlineSeconds);
        const pod = job.spec.jobTemplate.spec.template.spec;
        expect(pod.initContainers[0].command).toEqual(["sh", "/scripts/redis-backup.sh"]);
        expect(pod.containers[0]).toMatchObject({
            name: "prune",
            env: expect.arrayContaining([{ name: "RETENTION_DAYS", value: String(config.retentionDays) }]),
        });
        expect(d.one("kubernetes:core/v1:PersistentVolumeClaim").inputs.spec.resources.requests.storage).toBe("5Gi");
    });

    it("uploads to S3 instead of keeping a volume when the destination is a bucket", async () => {
        const destination = {
            kind: "s3" as const,
            bucketName: "backups-bucket",
            roleArn: "arn:aws:iam::1:role/backup",
            region: "eu-west-1",
        };
        const d = await declareComponent(
            () =>
                new Backups("backups", {
                    namespace: "ns",
                    config: backupsSchema.parse({}),
                    redis,
                    destination,
                    traffic: noTraffic,
                    drillTraffic: noTraffic,
                }),
        );
        const upload = d.named(K8S.cronJob, "backups-redis").inputs.spec.jobTemplate.spec.template.spec.containers[0];
        expect(upload.env).toEqual(
            expect.arrayContaining([
                { name: "BUCKET", value: "backups-bucket" },
                { name: "AWS_REGION", value: "eu-west-1" },
            ]),
        );
        expect(d.ofType("kubernetes:core/v1:PersistentVolumeClaim")).toEqual([]);
        expect(d.one(K8S.serviceAccount).inputs.metadata.annotations).toEqual({
            "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/backup",
        });
    });
});

describe("the monthly restore drill", () => {
    const postgres = { host: "postgres", port: 5432, image: "ops", password: secretRef("postgres-password"), database: "mcp", user: "mcp" };
    const declare = (destination: ConstructorParameters<typeof Backups>[1]["destination"]) =>
        declareComponent(
            () =>
                new Backups("backups", {
                    namespace: "ns",
                    config: backupsSchema.parse({ opsImage: "ops:1" }),
                    redis,
                    postgres,
                    destination,
                    traffic: noTraffic,
                    drillTraffic: noTraffic,
                }),
        );

    it("drills each store's newest backup on the volume, mounted read-only, with mcp-ops in the ops image, once a month", async () => {
        const d = await declare({ kind: "volume", size: "5Gi" });
        for (const store of ["redis", "postgres"]) {
            const job = d.named(K8S.cronJob, `backups-${store}-drill`).inputs;
            expect(job.metadata.name).toBe(`${store}-backup-drill`);
            expect(job.spec).toMatchObject({ schedule: "0 5 1 * *", concurrencyPolicy: "Forbid" });
            // One try: a drill that fails must fail its Job, for the alert.
            expect(job.spec.jobTemplate.spec.backoffLimit).toBe(0);
            const pod = job.spec.jobTemplate.spec.template.spec;
            expect(pod.initContainers).toEqual([]);
            expect(pod.containers[0]).toMatchObject({
                image: "ops:1",
                command: ["mcp-ops", "backup", "drill", store, "--dir", `/backups/${store}`],
                volumeMounts: expect.arrayContaining([{ name: "out", mountPath: "/backups", readOnly: true }]),
            });
            expect(pod.volumes[0]).toEqual({ name: "out", persistentVolumeClaim: { claimName: "backups" } });
            expect(job.spec.jobTemplate.spec.template.metadata.labels["app.kubernetes.io/name"]).toBe("backup-drill");
        }
        expect(d.ofType(K8S.networkPolicy).map((p) => p.inputs.metadata.name)).toContain("backup-drill");
    });

    it("fetches the newest object from the bucket first when the destination is S3", async () => {
        const d = await declare({ kind: "s3", bucketName: "bucket", roleArn: "arn:aws:iam::1:role/backup", region: "eu-west-1" });
        const pod = d.named(K8S.cronJob, "backups-postgres-drill").inputs.spec.jobTemplate.spec.template.spec;
        expect(pod.initContainers[0]).toMatchObject({
            name: "fetch",
            command: ["sh", "/scripts/s3-fetch-newest.sh"],
            env: expect.arrayContaining([
                { name: "BUCKET", value: "bucket" },
                { name: "PREFIX", value: "postgres" },
                { name: "OUT_DIR", value: "/drill" },
            ]),
        });
        expect(pod.containers[0].command).toEqual(["mcp-ops", "backup", "drill", "postgres", "--dir", "/drill"]);
        expect(pod.volumes[0]).toEqual({ name: "drill", emptyDir: { sizeLimit: "20Gi" } });
        expect(d.named(K8S.configMap, "backups-scripts").inputs.data["s3-fetch-newest.sh"]).toMatch(/sort_by\(Contents.*LastModified/);
    });
});

describe("BackupBucket", () => {
    const args = {
        retentionDays: 30,
        oidcProviderArn: "arn:aws:iam::1:oidc-provider/oidc.example",
        oidcIssuer: "oidc.example",
        namespace: "ns",
        serviceAccountName: "backup",
    };

    it("is versioned, encrypted, never public, and expires backups by lifecycle", async () => {
        const d = await declareComponent(() => new BackupBucket("backups", args));
        expect(d.one("aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration).toEqual({ status: "Enabled" });
        expect(d.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toMatchObject({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        expect(JSON.stringify(d.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs)).toContain(
            '"expiration":{"days":30}',
        );
        expect(
            d.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules[0]
                .applyServerSideEncryptionByDefault,
        ).toEqual({ sseAlgorithm: "aws:kms" });
    });

    it("lets only the backup service account assume its role, which may read and write objects but not delete them", async () => {
        const d = await declareComponent(() => new BackupBucket("backups", args));
        const trust = JSON.parse(d.one("aws:iam/role:Role").inputs.assumeRolePolicy);
        expect(trust.Statement[0].Condition.StringEquals).toEqual({
            "oidc.example:sub": "system:serviceaccount:ns:backup",
            "oidc.example:aud": "sts.amazonaws.com",
        });
        const policy = JSON.parse(d.one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
        const actions = policy.Statement.flatMap((s: { Action: string[] }) => s.Action);
        expect(actions.sort()).toEqual(["s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
    });
});
