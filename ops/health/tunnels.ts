import type { PlatformConfig } from "../../config/schema";
import type { ProbeTarget } from "../../config/probeTargets";
import { openTunnel, type Tunnel } from "../kube/tunnel";

/** How `health` reaches the servers from outside the cluster: base URLs through tunnels, and why the others could not be reached. */
export interface HealthTunnels {
    /** name -> http://127.0.0.1:<port>, for each server a tunnel leads to. */
    endpoints: Record<string, string>;
    /** name -> why no tunnel could be opened (no ready pod, simulated pods, no Service). */
    unreachable: Record<string, string>;
    /** Redis through a tunnel, when it runs in the cluster and one could be opened. */
    redis?: { host: string; port: number };
    close(): void;
}

/**
 * Tunnels through the API server to every MCP server that has no --endpoint, and to an in-cluster
 * Redis: from a laptop or a CI runner the servers are checked as the prober checks them inside.
 */
export async function openHealthTunnels(
    config: PlatformConfig,
    targets: ProbeTarget[],
    kubeconfig: string,
    o: { endpoints: Record<string, string>; redis: boolean },
): Promise<HealthTunnels> {
    const open: Tunnel[] = [];
    const endpoints: Record<string, string> = {};
    const unreachable: Record<string, string> = {};
    const tunnel = (service: string, port: number) =>
        openTunnel(kubeconfig, config.namespace, service, port).then((t) => (open.push(t), t));
    await Promise.all(
        targets
            .filter((t) => o.endpoints[t.name] === undefined)
            .map((t) =>
                tunnel(t.name, config.services[t.name].port).then(
                    (opened) => void (endpoints[t.name] = `http://${opened.host}:${opened.port}`),
                    (error: Error) => void (unreachable[t.name] = error.message),
                ),
            ),
    );
    const redis =
        o.redis && config.redis.mode !== "external"
            ? await tunnel("redis", 6379).then(
                  (t) => ({ host: t.host, port: t.port }),
                  () => undefined,
              )
            : undefined;
    return { endpoints, unreachable, redis, close: () => open.forEach((t) => t.close()) };
}
