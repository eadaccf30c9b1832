import { existsSync } from "fs";
import { join } from "path";
import { UnavailableError } from "../errors";
import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };

export type KubeClient = typeof k8s;

/** The Kubernetes client library, loaded on demand (it is an ES module; ops commands start without it). */
export function loadKubeClient(): Promise<KubeClient> {
    return import("@kubernetes/client-node");
}

/**
 * Which kubeconfig to use: the flag, then $KUBECONFIG, then the local cluster's if it is up.
 * Undefined means no cluster is reachable from here, and cluster checks are skipped.
 */
export function findKubeconfig(flag: string | undefined, projectDir: string): string | undefined {
    if (flag) return flag;
    if (process.env.KUBECONFIG) return process.env.KUBECONFIG;
    const local = join(projectDir, ".local", "cluster", "kubeconfig");
    return existsSync(local) ? local : undefined;
}

export async function kubeConfigFrom(path: string): Promise<k8s.KubeConfig> {
    if (!existsSync(path)) throw new UnavailableError(`kubeconfig ${path} does not exist; start the local cluster (npm run cluster:up) or pass --kubeconfig`);
    const client = await loadKubeClient();
    const kc = new client.KubeConfig();
    kc.loadFromFile(path);
    return kc;
}
