import type { S3Client } from "@aws-sdk/client-s3";
import { InvalidInputError } from "../errors";
import type { TeamStore } from "./teamStore";

/**
 * The bucket of an `s3://` state backend, addressed as Pulumi addresses it: the same URL, the same
 * credentials (the AWS SDK's default chain: AWS_ACCESS_KEY_ID…, AWS_PROFILE, a role).
 */
export interface S3Location {
    bucket: string;
    prefix: string;
    region: string;
    endpoint?: string;
    forcePathStyle: boolean;
}

/**
 * Reads an s3:// backend URL, with the query options Pulumi's blob URLs take in both of their
 * spellings (`endpoint`, `region`, `s3ForcePathStyle` or `use_path_style`, `disableSSL` or `disable_https`).
 */
export function parseS3Url(url: string, env: NodeJS.ProcessEnv = process.env): S3Location {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        throw new InvalidInputError(`PULUMI_BACKEND_URL ${url} is not a URL; write it as s3://<bucket>[/<prefix>][?region=…]`);
    }
    if (!parsed.hostname) throw new InvalidInputError(`PULUMI_BACKEND_URL ${url} names no bucket; write it as s3://<bucket>`);
    const q = parsed.searchParams;
    const yes = (...names: string[]) => names.some((n) => q.get(n) === "true");
    let endpoint = q.get("endpoint") ?? undefined;
    if (endpoint && !/^https?:\/\//.test(endpoint)) endpoint = `${yes("disableSSL", "disable_https") ? "http" : "https"}://${endpoint}`;
    return {
        bucket: parsed.hostname,
        prefix: parsed.pathname.replace(/^\/+|\/+$/g, ""),
        region: q.get("region") ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
        endpoint,
        forcePathStyle: yes("s3ForcePathStyle", "use_path_style") || endpoint !== undefined,
    };
}

export class S3Store implements TeamStore {
    readonly shared = true;
    private readonly where: S3Location;
    private readonly root: string;
    private connected?: Promise<{ client: S3Client; sdk: typeof import("@aws-sdk/client-s3") }>;

    constructor(backendUrl: string, folder: string) {
        this.where = parseS3Url(backendUrl);
        this.root = [this.where.prefix, folder].filter(Boolean).join("/");
    }

    /** The AWS SDK is loaded on first use: commands on other backends never pay for it. */
    private connect() {
        this.connected ??= import("@aws-sdk/client-s3").then((sdk) => ({
            sdk,
            client: new sdk.S3Client({
                region: this.where.region,
                endpoint: this.where.endpoint,
                forcePathStyle: this.where.forcePathStyle,
            }),
        }));
        return this.connected;
    }

    get location(): string {
        return `s3://${this.where.bucket}/${this.root}`;
    }

    async createExclusive(key: string, body: string): Promise<boolean> {
        const { client, sdk } = await this.connect();
        try {
            await client.send(new sdk.PutObjectCommand({ Bucket: this.where.bucket, Key: this.key(key), Body: body, IfNoneMatch: "*" }));
            return true;
        } catch (error) {
            // 412: the object exists. 409: another conditional write of the same key is in flight; it wins.
            const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
            if (status === 412 || status === 409) return false;
            throw this.failed("write", key, error);
        }
    }

    async read(key: string): Promise<string | undefined> {
        const { client, sdk } = await this.connect();
        try {
            const object = await client.send(new sdk.GetObjectCommand({ Bucket: this.where.bucket, Key: this.key(key) }));
            return await object.Body?.transformToString();
        } catch (error) {
            if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
            throw this.failed("read", key, error);
        }
    }

    async remove(key: string): Promise<void> {
        const { client, sdk } = await this.connect();
        try {
            await client.send(new sdk.DeleteObjectCommand({ Bucket: this.where.bucket, Key: this.key(key) }));
        } catch (error) {
            throw this.failed("delete", key, error);
        }
    }

    private key(key: string): string {
        return `${this.root}/${key}`;
    }

    private failed(what: string, key: string, error: unknown): Error {
        const reason = (error as Error).name && (error as Error).name !== "Error" ? (error as Error).name : (error as Error).message;
        return new Error(`could not ${what} s3://${this.where.bucket}/${this.key(key)} (the team's change lock): ${reason}`);
    }
}
