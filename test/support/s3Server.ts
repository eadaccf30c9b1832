import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { freePort } from "./ports";
import { REPO_ROOT } from "./platform";

export interface S3Server {
    /** http://127.0.0.1:<port> */
    endpoint: string;
    bucket: string;
    /** The bucket as a Pulumi state backend URL. */
    backendUrl: string;
    /** AWS_* variables that reach it, for Pulumi and for mcp-ops alike. */
    env: Record<string, string>;
    stop(): Promise<void>;
}

/** The toolchain's S3-compatible server (toolchain/versitygw), built once from its pinned module. */
function versitygw(): string {
    const bin = execFileSync("bash", [join(REPO_ROOT, "scripts", "toolchain.sh"), "s3"], {
        encoding: "utf8",
        env: { ...process.env, MCP_TOOLCHAIN_QUIET: "1" },
    }).trim();
    return join(bin, "versitygw");
}

/**
 * A real S3-compatible server (the Versity gateway over a temporary folder) on a free loopback
 * port, with one bucket: a team's shared state backend. `stop()` ends it and removes the folder.
 */
export async function startS3Server(bucket = "team-state", region = "us-east-1"): Promise<S3Server> {
    const dir = mkdtempSync(join(tmpdir(), "mcp-s3-"));
    const data = join(dir, "data");
    mkdirSync(data);
    const port = await freePort();
    const access = "team-access-key";
    const secret = "team-secret-key-for-tests";
    const args = ["--access", access, "--secret", secret, "--region", region, "--port", `127.0.0.1:${port}`, "posix", data];
    const child: ChildProcess = spawn(versitygw(), args, {
        stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (d) => (stderr += String(d)));
    const endpoint = `http://127.0.0.1:${port}`;
    const env = { AWS_ACCESS_KEY_ID: access, AWS_SECRET_ACCESS_KEY: secret, AWS_REGION: region };
    const client = new S3Client({
        endpoint,
        region,
        forcePathStyle: true,
        credentials: { accessKeyId: access, secretAccessKey: secret },
    });
    const stop = async () => {
        client.destroy();
        if (child.exitCode === null) {
            const exited = new Promise((r) => child.once("exit", r));
            child.kill("SIGTERM");
            await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
            if (child.exitCode === null) child.kill("SIGKILL");
        }
        rmSync(dir, { recursive: true, force: true });
    };
    try {
        const deadline = Date.now() + 15_000;
        for (;;) {
            try {
                await client.send(new CreateBucketCommand({ Bucket: bucket }));
                break;
            } catch (error) {
                if (child.exitCode !== null || Date.now() > deadline)
                    throw new Error(`versitygw did not start: ${stderr || (error as Error).message}`, { cause: error });
                await new Promise((r) => setTimeout(r, 200));
            }
        }
    } catch (error) {
        await stop();
        throw error;
    }
    return {
        endpoint,
        bucket,
        backendUrl: `s3://${bucket}?endpoint=127.0.0.1:${port}&disableSSL=true&s3ForcePathStyle=true&region=${region}`,
        env,
        stop,
    };
}
