import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./platform";

export interface LocalCluster {
    dir: string;
    kubeconfig: string;
    run(command: "up" | "down" | "status"): Promise<{ code: number; output: string }>;
}

/**
 * A private local cluster (its own state directory) driven through scripts/cluster.sh; with `real`,
 * `up` adds the real node, which imports the images in `imagesDir`.
 */
export function localCluster(options: { real?: boolean; imagesDir?: string } = {}): LocalCluster {
    const dir = mkdtempSync(join(tmpdir(), "mcp-cluster-"));
    rmSync(dir, { recursive: true });
    const env: Record<string, string> = { MCP_CLUSTER_DIR: dir, ...(options.imagesDir ? { MCP_IMAGES_DIR: options.imagesDir } : {}) };
    return {
        dir,
        kubeconfig: join(dir, "kubeconfig"),
        run(command) {
            return new Promise((resolve) => {
                execFile(
                    "bash",
                    [join(REPO_ROOT, "scripts", "cluster.sh"), command, ...(command === "up" && options.real ? ["--real"] : [])],
                    { env: { ...process.env, ...env }, timeout: 40 * 60_000, maxBuffer: 16 * 2 ** 20 },
                    (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
                );
            });
        },
    };
}
