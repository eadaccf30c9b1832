import { checkRedisHealth, type RedisHealth } from "./redis";
import { workloadReadiness, type WorkloadReadiness } from "./workloads";
import type { RedisTarget } from "../redis/connect";
import { checkMcp, checkRest } from "./checks";
import { classify, type ServiceHealth } from "./classify";
import { overallStatus, type Status } from "./status";
import { CHECK_DEFAULTS, type ComponentTarget, type ProbeTarget, probeToken } from "../../config/probeTargets";
import type { PostgresTarget } from "../postgres/connect";
import { checkComponent, type ComponentHealth } from "./components";
import { checkPostgresHealth, type PostgresHealth } from "./postgres";

/** A server to check: where, what it must list, its reviewed catalog, and the env var of its token. */
export type HealthTarget = ProbeTarget;

export interface HealthOptions {
    /** Per-check timeout in milliseconds. Default CHECK_DEFAULTS. */
    timeoutMs?: number;
    /** A passing check slower than this degrades the service. Default CHECK_DEFAULTS. */
    slowMs?: number;
    /** Redis to check alongside the MCP servers. Default: none. */
    redis?: RedisTarget;
    /** PostgreSQL to check alongside the MCP servers. Default: none. */
    postgres?: PostgresTarget;
    /** The services that are not MCP servers (gateway, router): REST health and metrics. Default: none. */
    components?: ComponentTarget[];
    /** Read workload readiness from this cluster. Default: none. */
    cluster?: { kubeconfig: string; namespace: string };
    /** Servers checked at once; the others wait. Default: all. A hung server holds one slot for one timeout. */
    concurrency?: number;
    /** Where bearer tokens are read (the target names the variable). Default: process.env. */
    env?: NodeJS.ProcessEnv;
}

export interface HealthReport {
    status: Status;
    checkedAt: string;
    services: ServiceHealth[];
    components?: ComponentHealth[];
    redis?: RedisHealth;
    postgres?: PostgresHealth;
    workloads?: WorkloadReadiness[];
    /** Why the workloads could not be read, when a cluster was given but did not answer. */
    clusterError?: string;
}

/** Runs `work` on every item, at most `limit` at once, and keeps the items' order. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await work(items[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
    return results;
}

/** Checks every target (up to `concurrency` at once), each check bounded by its own timeout. */
export async function checkHealth(targets: HealthTarget[], options: HealthOptions = {}): Promise<HealthReport> {
    const timeoutMs = options.timeoutMs ?? CHECK_DEFAULTS.timeoutMs;
    const slowMs = options.slowMs ?? CHECK_DEFAULTS.slowMs;
    const checkedAt = new Date().toISOString();
    const readWorkloads = options.cluster
        ? workloadReadiness(options.cluster.kubeconfig, options.cluster.namespace).then(
              (workloads) => ({ workloads, clusterError: undefined }),
              (error: Error) => ({ workloads: undefined, clusterError: error.message }),
          )
        : Promise.resolve({ workloads: undefined, clusterError: undefined });
    const [services, components, redis, postgres, cluster] = await Promise.all([
        mapLimited(targets, options.concurrency ?? targets.length, async (t) => {
            const token = probeToken(t, options.env);
            const [rest, mcp] = await Promise.all([checkRest(t.restUrl, timeoutMs, token), checkMcp(t.mcpUrl, timeoutMs, token)]);
            return classify(t.name, t.expectedTools, rest, mcp, slowMs, t.toolLock);
        }),
        options.components ? Promise.all(options.components.map((c) => checkComponent(c, timeoutMs, slowMs))) : undefined,
        options.redis ? checkRedisHealth({ connectTimeoutMs: timeoutMs, ...options.redis }) : undefined,
        options.postgres ? checkPostgresHealth(options.postgres, timeoutMs) : undefined,
        readWorkloads,
    ]);
    const statuses = [
        ...services.map((s) => s.status),
        ...(components ?? []).map((c) => c.status),
        ...(redis ? [redis.status] : []),
        ...(postgres ? [postgres.status] : []),
        ...(cluster.workloads ?? []).map((w) => w.status),
        ...(cluster.clusterError ? ["DEGRADED" as const] : []),
    ];
    return {
        status: overallStatus(statuses),
        checkedAt,
        services,
        ...(components ? { components } : {}),
        redis,
        ...(postgres ? { postgres } : {}),
        ...cluster,
    };
}
