import { existsSync } from "node:fs";
import { join } from "node:path";
import { UnavailableError } from "../errors";
/** The client library (an ES module): its types here, the library itself loaded on demand by loadKubeClient. */
export type KubeClient = typeof import("@kubernetes/client-node", { with: { "resolution-mode": "import" } });
export type KubeConfig = import("@kubernetes/client-node", { with: { "resolution-mode": "import" } }).KubeConfig;
export type V1Pod = import("@kubernetes/client-node", { with: { "resolution-mode": "import" } }).V1Pod;
export type V1Node = import("@kubernetes/client-node", { with: { "resolution-mode": "import" } }).V1Node;
export type V1LabelSelector = import("@kubernetes/client-node", { with: { "resolution-mode": "import" } }).V1LabelSelector;
export type V1NetworkPolicy = import("@kubernetes/client-node", { with: { "resolution-mode": "import" } }).V1NetworkPolicy;
export type CoreEvent = import("@kubernetes/client-node", { with: { "resolution-mode": "import" } }).CoreV1Event;
export type HorizontalPodAutoscaler = import("@kubernetes/client-node", {
    with: { "resolution-mode": "import" },
}).V2HorizontalPodAutoscaler;

/** The Kubernetes client library, loaded on demand (it is an ES module; ops commands start without it). */
export function loadKubeClient(): Promise<KubeClient> {
    return import("@kubernetes/client-node");
}

/** The kubeconfig `npm run cluster:up` (and `local:up`) writes for the local cluster. */
export const localKubeconfigPath = (projectDir: string) => join(projectDir, ".local", "cluster", "kubeconfig");

/**
 * Which kubeconfig to use: the flag, then $KUBECONFIG, then, for the local stack only, the local
 * cluster's if it is up. Undefined means no cluster is known, and cluster checks are skipped.
 */
export function findKubeconfig(
    flag: string | undefined,
    projectDir: string,
    stack: string,
    env: NodeJS.ProcessEnv = process.env,
): string | undefined {
    if (flag) return flag;
    if (env.KUBECONFIG) return env.KUBECONFIG;
    const local = localKubeconfigPath(projectDir);
    return stack === "local" && existsSync(local) ? local : undefined;
}

export async function kubeConfigFrom(path: string): Promise<KubeConfig> {
    if (!existsSync(path))
        throw new UnavailableError(`kubeconfig ${path} does not exist; start the local cluster (npm run cluster:up) or pass --kubeconfig`);
    const client = await loadKubeClient();
    const kc = new client.KubeConfig();
    kc.loadFromFile(path);
    return kc;
}
