import type { PlatformConfig } from "../../config/schema";
import { mcpServers, type ProbeTarget } from "../../config/probeTargets";
import { openTunnel, SimulatedPodsError, type Tunnel } from "../kube/tunnel";

/** How `health` reaches the servers from outside the cluster: base URLs through tunnels, and why the others could not be reached. */
export interface HealthTunnels {
    /** name -> http://127.0.0.1:<port>, for each service a tunnel leads to (its main port). */
    endpoints: Record<string, string>;
    /** name -> the same for the metrics port of a service that is not an MCP server. */
    metricsEndpoints: Record<string, string>;
    /** name -> why no tunnel could be opened (no ready pod, no Service). */
    unreachable: Record<string, string>;
    /** name -> why nothing answers: its pods run on simulated nodes. */
    simulated: Record<string, string>;
    /** Redis and PostgreSQL through a tunnel, when they run in the cluster and one could be opened. */
    redis?: { host: string; port: number };
    postgres?: { host: string; port: number };
    close(): void;
}

/**
 * Tunnels through the API server to every service that has no --endpoint (the MCP servers, and the
 * gateway and router with their metrics ports), and to the in-cluster stores asked for: from a
 * laptop or a CI runner the platform is checked as the prober checks it inside.
 */
export async function openHealthTunnels(
    config: PlatformConfig,
    targets: ProbeTarget[],
    kubeconfig: string,
    o: {
        endpoints: Record<string, string>;
        metricsEndpoints?: Record<string, string>;
        components?: boolean;
        redis?: boolean;
        postgres?: boolean;
    },
): Promise<HealthTunnels> {
    const open: Tunnel[] = [];
    const found: HealthTunnels = { endpoints: {}, metricsEndpoints: {}, unreachable: {}, simulated: {}, close: () => undefined };
    const tunnel = (service: string, port: number) =>
        openTunnel(kubeconfig, config.namespace, service, port).then((t) => (open.push(t), t));
    const reach = (service: string, port: number, into: Record<string, string>) =>
        tunnel(service, port).then(
            (opened) => void (into[service] = `http://${opened.host}:${opened.port}`),
            (error: Error) => void ((error instanceof SimulatedPodsError ? found.simulated : found.unreachable)[service] = error.message),
        );
    const mcp = new Set(mcpServers(config));
    const components = o.components ? Object.keys(config.services).filter((name) => !mcp.has(name)) : [];
    const store = (service: string, port: number) =>
        tunnel(service, port).then(
            (t) => ({ host: t.host, port: t.port }),
            () => undefined,
        );
    const [redis, postgres] = await Promise.all([
        o.redis && config.redis.mode !== "external" ? store("redis", 6379) : undefined,
        o.postgres && config.postgres.mode !== "external" ? store("postgres", 5432) : undefined,
        ...targets
            .filter((t) => o.endpoints[t.name] === undefined)
            .map((t) => reach(t.name, config.services[t.name].port, found.endpoints)),
        ...components
            .filter((name) => o.endpoints[name] === undefined)
            .map((name) => reach(name, config.services[name].port, found.endpoints)),
        ...components
            .filter((name) => o.metricsEndpoints?.[name] === undefined && config.services[name].metricsPort !== undefined)
            .map((name) => reach(name, config.services[name].metricsPort!, found.metricsEndpoints)),
    ]);
    return { ...found, redis: redis ?? undefined, postgres: postgres ?? undefined, close: () => open.forEach((t) => t.close()) };
}
