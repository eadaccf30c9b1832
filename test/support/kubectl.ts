import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./ports";

/** kubectl of a local cluster (its state folder), as an operator runs it: stdout, or an error with stderr. */
export type Kubectl = (args: string[], input?: string) => Promise<string>;

export interface PortForward {
    port: number;
    close(): void;
}

const kubectlBinary = (clusterDir: string) => join(readFileSync(join(clusterDir, "bin"), "utf8").trim(), "kubectl");

export function kubectlFor(clusterDir: string): Kubectl {
    const binary = kubectlBinary(clusterDir);
    return (args, input) =>
        new Promise((resolve, reject) => {
            const child = execFile(
                binary,
                ["--kubeconfig", join(clusterDir, "kubeconfig"), "--cache-dir", join(clusterDir, "kube-cache"), ...args],
                { timeout: 180_000, maxBuffer: 16 * 2 ** 20 },
                (error, stdout, stderr) => (error ? reject(new Error(`kubectl ${args.join(" ")}: ${stderr}`)) : resolve(stdout)),
            );
            if (input !== undefined) child.stdin!.end(input);
        });
}

/** `kubectl port-forward` to a Service or pod, on a free loopback port; resolves once it forwards. */
export async function portForward(clusterDir: string, namespace: string, target: string, remotePort: number): Promise<PortForward> {
    const port = await freePort();
    const child = spawn(
        kubectlBinary(clusterDir),
        [
            "--kubeconfig",
            join(clusterDir, "kubeconfig"),
            "--cache-dir",
            join(clusterDir, "kube-cache"),
            "port-forward",
            "-n",
            namespace,
            target,
            `${port}:${remotePort}`,
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => d.toString().includes("Forwarding from") && resolve());
        child.on("exit", (code) => reject(new Error(`port-forward to ${target} exited with ${code}: ${stderr}`)));
    });
    return { port, close: () => child.kill() };
}
