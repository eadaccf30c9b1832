import type * as k8s from "@pulumi/kubernetes";
import { type PlatformConfig, STORES, type StoreName } from "../config/schema";
import { mcpServers } from "../config/probeTargets";
import { selectorLabels } from "./labels";

type IngressRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

/** What one workload may receive and send. DNS egress is allowed once, by the namespace baseline. */
export interface TrafficRules {
    ingress: IngressRule[];
    egress: EgressRule[];
}

export const STORE_PORTS: Record<StoreName, number> = { redis: 6379, postgres: 5432 };

/** Name of the backup jobs' pods, as selected by the stores' policies. */
export const BACKUP_WORKLOAD = "backup";
/** Name of the restore drill's pods: they read backups, never a store. */
export const BACKUP_DRILL_WORKLOAD = "backup-drill";

/** Name of the prober's pods, which the MCP servers admit. */
export const PROBER_WORKLOAD = "mcp-prober";
/** Port of the prober's /metrics. */
export const PROBER_METRICS_PORT = 9102;

/** Whether the platform runs the prober: with monitoring on and at least one MCP server to check. */
export const runsProber = (config: PlatformConfig) => config.monitoring.enabled && mcpServers(config).length > 0;

/** Name of postgres_exporter's pods, which PostgreSQL admits. */
export const POSTGRES_EXPORTER_WORKLOAD = "postgres-exporter";
/** Port of postgres_exporter's /metrics (its default). */
export const POSTGRES_EXPORTER_PORT = 9187;

/** Whether the platform runs postgres_exporter: with monitoring on, as there always is a PostgreSQL (in-cluster or external). */
export const runsPostgresExporter = (config: PlatformConfig) => config.monitoring.enabled;

/** Name of redis_exporter's pods, which Redis admits. */
export const REDIS_EXPORTER_WORKLOAD = "redis-exporter";
/** Port of redis_exporter's /metrics (its default). */
export const REDIS_EXPORTER_PORT = 9121;

/** Whether the platform runs redis_exporter: with monitoring on, as there always is a Redis (in-cluster or external). */
export const runsRedisExporter = (config: PlatformConfig) => config.monitoring.enabled;

const podsOf = (name: string): Peer => ({ podSelector: { matchLabels: selectorLabels(name) } });
const namespaceNamed = (name: string): Peer => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
const anyAddress: Peer = { ipBlock: { cidr: "0.0.0.0/0" } };
const tcp = (port: number) => [{ protocol: "TCP", port }];

/** Services that name `target` in their `calls`. */
export function callersOf(config: PlatformConfig, target: string): string[] {
    return Object.entries(config.services)
        .filter(([, service]) => service.calls.includes(target))
        .map(([name]) => name)
        .sort();
}

/** Ingress only from declared callers (plus, for the gateway, the configured sources); egress only to declared callees. */
export function serviceTraffic(config: PlatformConfig, name: string): TrafficRules {
    const service = config.services[name];
    const ingress: IngressRule[] = [];
    const callers = callersOf(config, name);
    if (callers.length > 0) ingress.push({ from: callers.map(podsOf), ports: tcp(service.port) });
    if (name === "gateway") {
        const { namespaces, cidrs } = config.security.gatewayIngress;
        const from = [...namespaces.map(namespaceNamed), ...cidrs.map((cidr) => ({ ipBlock: { cidr } }))];
        if (from.length > 0) ingress.push({ from, ports: tcp(service.port) });
    }
    if (config.monitoring.enabled && service.metricsPort !== undefined) {
        ingress.push({ from: [namespaceNamed(config.monitoring.prometheusNamespace)], ports: tcp(service.metricsPort) });
    }
    // REST health (and, on an MCP server, MCP) is served on the service's port: the prober checks every service.
    if (runsProber(config)) ingress.push({ from: [podsOf(PROBER_WORKLOAD)], ports: tcp(service.port) });
    const egress = service.calls.map((callee) => egressTo(config, callee));
    return { ingress: config.security.lockdown ? [] : ingress, egress };
}

/** Name of the pods that apply a store's credentials (its credentials Job); the store admits them. */
export const credentialsWorkload = (store: StoreName) => `${store}-credentials`;

/** A store admits its callers, its credentials Job, the backup jobs and its exporter. */
export function storeTraffic(config: PlatformConfig, store: StoreName): TrafficRules {
    const from = [...callersOf(config, store), credentialsWorkload(store)].map(podsOf);
    if (config.backups.enabled) from.push(podsOf(BACKUP_WORKLOAD));
    if (store === "postgres" && runsPostgresExporter(config)) from.push(podsOf(POSTGRES_EXPORTER_WORKLOAD));
    if (store === "redis" && runsRedisExporter(config)) from.push(podsOf(REDIS_EXPORTER_WORKLOAD));
    const ingress = from.length > 0 ? [{ from, ports: tcp(STORE_PORTS[store]) }] : [];
    return { ingress: config.security.lockdown ? [] : ingress, egress: [] };
}

/** The prober reaches each service's port and nothing else; Prometheus reaches its metrics. */
export function proberTraffic(config: PlatformConfig): TrafficRules {
    const ingress = [{ from: [namespaceNamed(config.monitoring.prometheusNamespace)], ports: tcp(PROBER_METRICS_PORT) }];
    const egress = Object.keys(config.services).map((name) => egressTo(config, name));
    return { ingress: config.security.lockdown ? [] : ingress, egress };
}

/** postgres_exporter reaches PostgreSQL's port and nothing else; Prometheus reaches its metrics. */
export function postgresExporterTraffic(config: PlatformConfig): TrafficRules {
    const ingress = [{ from: [namespaceNamed(config.monitoring.prometheusNamespace)], ports: tcp(POSTGRES_EXPORTER_PORT) }];
    return { ingress: config.security.lockdown ? [] : ingress, egress: [egressTo(config, "postgres")] };
}

/** redis_exporter reaches Redis's port and nothing else; Prometheus reaches its metrics. */
export function redisExporterTraffic(config: PlatformConfig): TrafficRules {
    const ingress = [{ from: [namespaceNamed(config.monitoring.prometheusNamespace)], ports: tcp(REDIS_EXPORTER_PORT) }];
    return { ingress: config.security.lockdown ? [] : ingress, egress: [egressTo(config, "redis")] };
}

/** A store's credentials Job reaches that store and nothing else. */
export function credentialsTraffic(config: PlatformConfig, store: StoreName): TrafficRules {
    return { ingress: [], egress: [egressTo(config, store)] };
}

/** Backup jobs reach the stores and, for S3, HTTPS endpoints. */
/** The drill reads backups from the volume (no traffic) or the bucket (HTTPS); it never reaches a store. */
export function backupDrillTraffic(config: PlatformConfig): TrafficRules {
    return { ingress: [], egress: config.backups.destination === "s3" ? [{ to: [anyAddress], ports: tcp(443) }] : [] };
}

export function backupTraffic(config: PlatformConfig): TrafficRules {
    const egress = STORES.map((store) => egressTo(config, store));
    if (config.backups.destination === "s3") egress.push({ to: [anyAddress], ports: tcp(443) });
    return { ingress: [], egress };
}

function egressTo(config: PlatformConfig, callee: string): EgressRule {
    if (callee === "redis" || callee === "postgres") {
        const store = config[callee];
        if (store.mode === "external" && store.external) {
            // A NetworkPolicy cannot name a host, so external stores are reached by port.
            return { to: [anyAddress], ports: tcp(store.external.port) };
        }
        return { to: [podsOf(callee)], ports: tcp(STORE_PORTS[callee]) };
    }
    return { to: [podsOf(callee)], ports: tcp(config.services[callee].port) };
}
