import { checkRedisHealth, type RedisHealth } from "./redis";
import { workloadReadiness, type WorkloadReadiness } from "./workloads";
import type { RedisTarget } from "../redis/connect";
import { checkMcp, checkRest } from "./checks";
import { classify, type ServiceHealth } from "./classify";
import { overallStatus, type Status } from "./status";

export interface HealthTarget {
    name: string;
    /** Full URL of the REST health endpoint. */
    restUrl: string;
    /** Full URL of the MCP Streamable HTTP endpoint. */
    mcpUrl: string;
    expectedTools: string[];
}

export interface HealthOptions {
    /** Per-check timeout in milliseconds. Default 5000. */
    timeoutMs?: number;
    /** A passing check slower than this degrades the service. Default 2000 (the p95 alert's bound). */
    slowMs?: number;
    /** Redis to check alongside the MCP servers. Default: none. */
    redis?: RedisTarget;
    /** Read workload readiness from this cluster. Default: none. */
    cluster?: { kubeconfig: string; namespace: string };
}

export interface HealthReport {
    status: Status;
    checkedAt: string;
    services: ServiceHealth[];
    redis?: RedisHealth;
    workloads?: WorkloadReadiness[];
    /** Why the workloads could not be read, when a cluster was given but did not answer. */
    clusterError?: string;
}

/** Checks every target, all checks in parallel, each bounded by its own timeout. */
export async function checkHealth(targets: HealthTarget[], options: HealthOptions = {}): Promise<HealthReport> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const slowMs = options.slowMs ?? 2000;
    const checkedAt = new Date().toISOString();
    const readWorkloads = options.cluster
        ? workloadReadiness(options.cluster.kubeconfig, options.cluster.namespace).then(
              (workloads) => ({ workloads, clusterError: undefined }),
              (error: Error) => ({ workloads: undefined, clusterError: error.message }),
          )
        : Promise.resolve({ workloads: undefined, clusterError: undefined });
    const [services, redis, cluster] = await Promise.all([
        Promise.all(
            targets.map(async (t) => {
                const [rest, mcp] = await Promise.all([checkRest(t.restUrl, timeoutMs), checkMcp(t.mcpUrl, timeoutMs)]);
                return classify(t.name, t.expectedTools, rest, mcp, slowMs);
            }),
        ),
        options.redis ? checkRedisHealth({ connectTimeoutMs: timeoutMs, ...options.redis }) : undefined,
        readWorkloads,
    ]);
    const statuses = [
        ...services.map((s) => s.status),
        ...(redis ? [redis.status] : []),
        ...(cluster.workloads ?? []).map((w) => w.status),
        ...(cluster.clusterError ? ["DEGRADED" as const] : []),
    ];
    return { status: overallStatus(statuses), checkedAt, services, redis, ...cluster };
}
