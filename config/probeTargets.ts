import type { PlatformConfig, ToolFingerprint } from "./schema";

/** One MCP server as the prober and `mcp-ops health` check it. */
export interface ProbeTarget {
    name: string;
    /** Full URL of the REST health endpoint. */
    restUrl: string;
    /** Full URL of the MCP Streamable HTTP endpoint. */
    mcpUrl: string;
    expectedTools: string[];
    /** The reviewed catalog (`mcp-ops tools lock`), when there is one. */
    toolLock?: Record<string, ToolFingerprint>;
    /** Environment variable holding the bearer token to present, when the server wants one. */
    tokenEnv?: string;
}

/** The environment variable a server's probe token is read from, in the prober's pod and on an operator's shell. */
export const probeTokenEnv = (server: string) => `MCP_PROBE_TOKEN_${server.toUpperCase().replace(/-/g, "_")}`;

/** The MCP servers of a stack: the services that declare the tools they must expose. */
export const mcpServers = (config: PlatformConfig) => Object.keys(config.services).filter((name) => config.services[name].tools.length > 0);

/**
 * Every MCP server's probe target at its in-cluster address; `bases` (name -> base URL) replace
 * that address, e.g. after a port-forward: {"mcp-memory": "http://127.0.0.1:18080"}.
 */
export function probeTargets(config: PlatformConfig, bases: Record<string, string> = {}): ProbeTarget[] {
    return mcpServers(config).map((name) => {
        const s = config.services[name];
        const base = (bases[name] ?? `http://${name}.${config.namespace}.svc.cluster.local:${s.port}`).replace(/\/+$/, "");
        return {
            name,
            restUrl: `${base}${s.health.path}`,
            mcpUrl: `${base}${s.health.mcpPath}`,
            expectedTools: s.tools,
            ...(s.toolLock ? { toolLock: s.toolLock } : {}),
            ...(s.probeTokenSecret ? { tokenEnv: probeTokenEnv(name) } : {}),
        };
    });
}

/** What the prober reads from its ConfigMap: the servers and how to check them. */
export interface ProbeConfig {
    servers: ProbeTarget[];
    /** The gateway and router: their REST health (Prometheus scrapes their metrics itself). Absent in older ConfigMaps. */
    components?: ComponentTarget[];
    intervalSeconds: number;
    timeoutMs: number;
    slowMs: number;
    /** Servers checked at once. */
    concurrency: number;
}

/**
 * The longest one round of checks can take: servers are checked `concurrency` at once, and each
 * server's checks (REST and MCP together) end within `timeoutMs`; the components are checked beside them.
 */
export const longestRoundMs = (p: Pick<ProbeConfig, "servers" | "concurrency" | "timeoutMs">): number =>
    Math.ceil(p.servers.length / Math.max(1, p.concurrency)) * p.timeoutMs;

/** How checks run unless told otherwise, in the prober and in `mcp-ops health` alike. The slow bound is the p95 alert's. */
export const CHECK_DEFAULTS = { timeoutMs: 5000, slowMs: 2000, concurrency: 4 } as const;

export function probeConfig(config: PlatformConfig): ProbeConfig {
    return {
        servers: probeTargets(config),
        components: proberComponents(config),
        intervalSeconds: config.monitoring.probeIntervalSeconds,
        ...CHECK_DEFAULTS,
    };
}

/** The components as the prober checks them: REST health only, since Prometheus scrapes their metrics and alerts when it cannot. */
export const proberComponents = (config: PlatformConfig, bases: Record<string, string> = {}): ComponentTarget[] =>
    componentTargets(config, bases).map(({ name, healthUrl }) => ({ name, healthUrl, hasMetrics: false }));

/** The bearer token a target is probed with, from the environment variable it names. */
export const probeToken = (target: ProbeTarget, env: NodeJS.ProcessEnv = process.env) =>
    target.tokenEnv ? env[target.tokenEnv] : undefined;

/** A service that is not an MCP server (the gateway, the router): its REST health and, when it has one, its metrics port. */
export interface ComponentTarget {
    name: string;
    healthUrl: string;
    /** It declares a metrics port. */
    hasMetrics: boolean;
    /** Where its Prometheus metrics are read; absent when it has none or no address for them is known. */
    metricsUrl?: string;
}

/** The services without tools, at their in-cluster addresses unless `bases` / `metricsBases` (name -> base URL) say otherwise. */
export function componentTargets(
    config: PlatformConfig,
    bases: Record<string, string> = {},
    metricsBases: Record<string, string> = {},
): ComponentTarget[] {
    const servers = new Set(mcpServers(config));
    return Object.keys(config.services)
        .filter((name) => !servers.has(name))
        .map((name) => {
            const s = config.services[name];
            const inCluster = (port: number) => `http://${name}.${config.namespace}.svc.cluster.local:${port}`;
            const base = (bases[name] ?? inCluster(s.port)).replace(/\/+$/, "");
            // A base given for the service's port says nothing about where its metrics port is: that needs its own.
            const metricsBase =
                metricsBases[name] ?? (s.metricsPort !== undefined && bases[name] === undefined ? inCluster(s.metricsPort) : undefined);
            return {
                name,
                healthUrl: `${base}${s.health.path}`,
                hasMetrics: s.metricsPort !== undefined,
                ...(metricsBase ? { metricsUrl: `${metricsBase.replace(/\/+$/, "")}/metrics` } : {}),
            };
        });
}
