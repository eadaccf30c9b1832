import type * as Aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { BackupBucket, loadAwsSdk } from "../components/backupBucket";
import { BACKUP_SERVICE_ACCOUNT, type BackupDestination } from "../components/backups";
import type { PlatformConfig } from "../config/schema";

/** The backup bucket and the role the backup jobs assume, in the bucket's region. */
export function declareS3Destination(config: PlatformConfig): {
    destination: Extract<BackupDestination, { kind: "s3" }>;
    bucketName: pulumi.Output<string>;
} {
    const aws = loadAwsSdk();
    const { aws: awsConfig } = config;
    // Validation guarantees region and the OIDC settings whenever the destination is s3.
    const provider = new aws.Provider("aws", { region: awsConfig.region as Aws.Region });
    const bucket = new BackupBucket(
        "backups",
        {
            retentionDays: config.backups.retentionDays,
            bucketName: awsConfig.bucketName,
            oidcProviderArn: awsConfig.oidcProviderArn!,
            oidcIssuer: awsConfig.oidcIssuer!,
            namespace: config.namespace,
            serviceAccountName: BACKUP_SERVICE_ACCOUNT,
        },
        { providers: { aws: provider } },
    );
    return {
        destination: { kind: "s3", bucketName: bucket.bucketName, roleArn: bucket.roleArn, region: awsConfig.region! },
        bucketName: bucket.bucketName,
    };
}
