import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import type { StoredFile } from "./catalog";

/**
 * The backup bucket (destination "s3"), where the upload step puts each store's files under
 * `<store>/`. Credentials and region as the AWS SDK finds them (AWS_ACCESS_KEY_ID…, AWS_PROFILE,
 * a role); AWS_ENDPOINT_URL_S3 points it at an S3-compatible server.
 */
export async function openBackupBucket(bucket: string, region: string) {
    const sdk = await import("@aws-sdk/client-s3");
    const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    const client = new sdk.S3Client({ region, endpoint, forcePathStyle: endpoint !== undefined });
    return {
        async list(folder: string): Promise<StoredFile[]> {
            const files: StoredFile[] = [];
            let token: string | undefined;
            do {
                const page = await client.send(
                    new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: `${folder}/`, ContinuationToken: token }),
                );
                for (const o of page.Contents ?? [])
                    if (o.Key && o.LastModified)
                        files.push({ name: o.Key.slice(folder.length + 1), bytes: o.Size ?? 0, modified: o.LastModified.toISOString() });
                token = page.IsTruncated ? page.NextContinuationToken : undefined;
            } while (token);
            return files;
        },
        async fetch(folder: string, name: string, to: string): Promise<void> {
            const object = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: `${folder}/${name}` }));
            await pipeline(object.Body as Readable, createWriteStream(to, { mode: 0o600 }));
        },
        async close() {
            client.destroy();
        },
    };
}
