import { describe, expect, it } from "vitest";
import { MCP_OPS_IMAGE } from "../../config/images";
import { mockedSecretValue, resolveDeep } from "../support/mocks";
import { deploy, K8S, podTemplates, stackConfig } from "../support/platform";

const AWS_TYPES = /^aws:/;

describe("backup CronJobs", () => {
    it.each(["local", "staging", "production"])("forbid overlapping runs and bound every run on %s", async (stack) => {
        const d = await deploy(stackConfig(stack));
        const cronJobs = d.ofType(K8S.cronJob).filter((c) => !c.inputs.metadata.name.endsWith("-drill"));
        expect(cronJobs.map((c) => c.inputs.metadata.name).sort()).toEqual(["postgres-backup", "redis-backup"]);
        expect(
            d
                .ofType(K8S.cronJob)
                .map((c) => c.inputs.metadata.name)
                .filter((n) => n.endsWith("-drill"))
                .sort(),
        ).toEqual(["postgres-backup-drill", "redis-backup-drill"]);
        for (const c of cronJobs) {
            expect(c.inputs.spec).toMatchObject({
                concurrencyPolicy: "Forbid",
                startingDeadlineSeconds: expect.any(Number),
                successfulJobsHistoryLimit: 3,
                failedJobsHistoryLimit: 3,
            });
            expect(c.inputs.spec.jobTemplate.spec.activeDeadlineSeconds).toBeGreaterThan(0);
            expect(c.inputs.spec.jobTemplate.spec.backoffLimit).toBeLessThanOrEqual(1);
        }
    });

    it("waits for BGSAVE by LASTSAVE and the last save status before copying the RDB", async () => {
        const d = await deploy(stackConfig("local"));
        const script = d.named(K8S.configMap, "backups-scripts").inputs.data["redis-backup.sh"];
        expect(script).toMatch(/before=\$\(cli LASTSAVE\)/);
        expect(script).toMatch(/rdb_last_bgsave_status/);
        expect(script).toMatch(/--rdb/);
        expect(script.indexOf("BGSAVE")).toBeLessThan(script.indexOf("--rdb"));
    });

    it("backs PostgreSQL up with mcp-ops postgres backup (dump and manifest), the password from the Secret only", async () => {
        const d = await deploy(stackConfig("local"));
        const postgresJob = podTemplates(d).find((t) => t.workload === "backups-postgres")!;
        const dump = postgresJob.spec.initContainers[0];
        expect(dump.image).toBe(MCP_OPS_IMAGE);
        expect(dump.command).toEqual([
            "mcp-ops",
            "postgres",
            "backup",
            "--url",
            // A login role of the generation in use, never the owner of the objects.
            "postgres://mcp_a@postgres.mcp-system.svc.cluster.local:5432/mcp",
            "--out",
            "/backups/postgres",
            "--wait",
            "60",
        ]);
        expect(dump.env.find((e: { name: string }) => e.name === "PGPASSWORD").valueFrom.secretKeyRef).toBeDefined();
        expect(d.named(K8S.configMap, "backups-scripts").inputs.data["postgres-backup.sh"]).toBeUndefined();
    });

    it("keeps local and staging backups on a volume pruned to the retention", async () => {
        const d = await deploy(stackConfig("staging"));
        expect(d.ofType("kubernetes:core/v1:PersistentVolumeClaim").map((p) => p.inputs.metadata.name)).toEqual(["backups"]);
        const redisJob = podTemplates(d).find((t) => t.workload === "backups-redis")!;
        expect(redisJob.spec.containers[0].name).toBe("prune");
        expect(redisJob.spec.containers[0].env).toContainEqual({ name: "RETENTION_DAYS", value: "7" });
    });

    it("uploads production backups to S3 with the job's IAM role", async () => {
        const d = await deploy(stackConfig("production"));
        const redisJob = podTemplates(d).find((t) => t.workload === "backups-redis")!;
        expect(redisJob.spec.containers[0].name).toBe("upload");
        expect(redisJob.spec.containers[0].env).toContainEqual({ name: "BUCKET", value: "backups-bucket-0123abcd" });
        const account = d.ofType(K8S.serviceAccount).find((a) => a.inputs.metadata.name === "backup")!;
        expect(account.inputs.metadata.annotations).toMatchObject({
            "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/backups-role",
        });
    });
});

describe("the S3 backup bucket", () => {
    it("is versioned, encrypted, never public and expires objects after the retention", async () => {
        const d = await deploy(stackConfig("production"));
        expect(d.named("aws:s3/bucketVersioning:BucketVersioning", "backups-versioning").inputs.versioningConfiguration).toEqual({
            status: "Enabled",
        });
        expect(
            d.named("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "backups-encryption").inputs
                .rules,
        ).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }]);
        expect(d.named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "backups-public-access").inputs).toMatchObject({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        const [rule] = d.named("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "backups-retention").inputs.rules;
        expect(rule).toMatchObject({ status: "Enabled", expiration: { days: 30 }, noncurrentVersionExpiration: { noncurrentDays: 30 } });
    });

    it("grants the backup role access to that bucket only, without wildcards or delete", async () => {
        const d = await deploy(stackConfig("production"));
        const policy = JSON.parse(d.named("aws:iam/rolePolicy:RolePolicy", "backups-policy").inputs.policy);
        const resources = policy.Statement.flatMap((s: any) => s.Resource);
        expect(resources).toEqual(["arn:aws:s3:::backups-bucket-0123abcd", "arn:aws:s3:::backups-bucket-0123abcd/*"]);
        const actions = policy.Statement.flatMap((s: any) => s.Action);
        expect(actions.sort()).toEqual(["s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
        const trust = JSON.parse(d.named("aws:iam/role:Role", "backups-role").inputs.assumeRolePolicy);
        expect(Object.values(trust.Statement[0].Condition.StringEquals)).toContain("system:serviceaccount:mcp-production:backup");
    });

    it("is not declared, nor any AWS resource, on the local and staging stacks", async () => {
        for (const stack of ["local", "staging"]) {
            const d = await deploy(stackConfig(stack));
            expect(
                d.resources.filter((r) => AWS_TYPES.test(r.type)).map((r) => r.type),
                stack,
            ).toEqual([]);
        }
    });
});

describe("secrets", () => {
    it("never appear in stack outputs", async () => {
        const d = await deploy(stackConfig("production"));
        const outputs = JSON.stringify(await resolveDeep(d.outputs));
        expect(outputs).toContain("mcp-production");
        expect(outputs).not.toMatch(/SECRET-/);
    });

    it("reach workloads only by reference, never as literal values", async () => {
        const d = await deploy(stackConfig("local"));
        const generated = ["redis-password", "postgres-password", "gateway-jwt-signing-key"].map((name) =>
            mockedSecretValue(`${name}-value-g0`, { rotationEpoch: "0" }),
        );
        const nonSecrets = d.resources.filter((r) => r.type !== K8S.secret && !r.type.startsWith("random:"));
        const text = JSON.stringify(nonSecrets.map((r) => r.inputs));
        for (const value of generated) expect(text).not.toContain(value);
        // The generated values did reach the Kubernetes Secrets.
        const secretsText = JSON.stringify(d.ofType(K8S.secret).map((r) => r.inputs));
        for (const value of generated) expect(secretsText).toContain(value);
    });
});
