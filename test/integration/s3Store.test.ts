import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseS3Url, S3Store } from "../../ops/change/s3Store";
import { type S3Server, startS3Server } from "../support/s3Server";

/** The team store on a real S3-compatible server (toolchain/versitygw) on loopback. */
describe("the team store in an S3 bucket", () => {
    let s3: S3Server;
    const saved: Record<string, string | undefined> = {};

    beforeAll(async () => {
        s3 = await startS3Server();
        for (const [key, value] of Object.entries(s3.env)) {
            saved[key] = process.env[key];
            process.env[key] = value;
        }
    }, 120_000);
    afterAll(async () => {
        for (const [key, value] of Object.entries(saved)) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
        await s3?.stop();
    });

    it("reads a backend URL as Pulumi writes it, in both spellings of its options", () => {
        expect(parseS3Url("s3://state?endpoint=127.0.0.1:9000&disableSSL=true&s3ForcePathStyle=true&region=eu-west-1")).toEqual({
            bucket: "state",
            prefix: "",
            region: "eu-west-1",
            endpoint: "http://127.0.0.1:9000",
            forcePathStyle: true,
        });
        expect(parseS3Url("s3://state/team-a/?endpoint=s3.internal:443&use_path_style=true", {})).toMatchObject({
            prefix: "team-a",
            region: "us-east-1",
            endpoint: "https://s3.internal:443",
            forcePathStyle: true,
        });
        expect(parseS3Url("s3://state", { AWS_REGION: "ap-south-1" })).toEqual({
            bucket: "state",
            prefix: "",
            region: "ap-south-1",
            endpoint: undefined,
            forcePathStyle: false,
        });
        expect(() => parseS3Url("s3://")).toThrow(/names no bucket; write it as s3:\/\/<bucket>/);
    });

    it("lets exactly one of many concurrent writers create a key (If-None-Match: *), then reads and removes it", async () => {
        const store = new S3Store(s3.backendUrl, ".mcp-ops/race");
        const writers = Array.from({ length: 12 }, (_, i) => store.createExclusive("locks/staging.json", JSON.stringify({ writer: i })));
        const won = await Promise.all(writers);
        expect(won.filter(Boolean)).toHaveLength(1);
        const winner = won.indexOf(true);
        expect(JSON.parse((await store.read("locks/staging.json"))!)).toEqual({ writer: winner });
        expect(await store.createExclusive("locks/staging.json", "{}")).toBe(false);
        await store.remove("locks/staging.json");
        expect(await store.read("locks/staging.json")).toBeUndefined();
        expect(await store.createExclusive("locks/staging.json", "{}")).toBe(true);
        await store.remove("locks/staging.json");
    });

    it("keeps its objects under the URL's prefix, in mcp-ops' own folder", async () => {
        const store = new S3Store(`${s3.backendUrl.replace("?", "/team-a?")}`, ".mcp-ops/mcp-platform");
        expect(store.location).toBe(`s3://${s3.bucket}/team-a/.mcp-ops/mcp-platform`);
        expect(await store.createExclusive("locks/local.json", "held")).toBe(true);
        expect(await new S3Store(s3.backendUrl, "team-a/.mcp-ops/mcp-platform").read("locks/local.json")).toBe("held");
        await store.remove("locks/local.json");
    });

    it("names the object and the failure when the server refuses", async () => {
        const store = new S3Store(s3.backendUrl.replace(s3.bucket, "no-such-bucket"), ".mcp-ops/x");
        await expect(store.createExclusive("locks/a.json", "{}")).rejects.toThrow(
            /^could not write s3:\/\/no-such-bucket\/.mcp-ops\/x\/locks\/a.json \(the team's change lock\): NoSuchBucket$/,
        );
    });
});
