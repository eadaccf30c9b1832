import type { PlatformConfig } from "../../config/schema";
import { EXIT } from "../errors";
import { checkHealth, HealthReport } from "../health/health";
import { healthTargets, parseEndpoints } from "../health/targets";
import type { RedisTarget } from "../redis/connect";

export interface HealthCommandOptions {
    config: PlatformConfig;
    endpoint: string[];
    timeoutMs: number;
    slowMs: number;
    redis?: RedisTarget;
    /** Kubeconfig of the cluster to read workload readiness from; none skips that check. */
    kubeconfig?: string;
}

/** `mcp-ops health`: returns the report and the exit code its overall status maps to. */
export async function healthCommand(options: HealthCommandOptions): Promise<{ report: HealthReport; exitCode: number }> {
    const targets = healthTargets(options.config, parseEndpoints(options.endpoint));
    const cluster = options.kubeconfig ? { kubeconfig: options.kubeconfig, namespace: options.config.namespace } : undefined;
    const report = await checkHealth(targets, { timeoutMs: options.timeoutMs, slowMs: options.slowMs, redis: options.redis, cluster });
    const exitCode = report.status === "HEALTHY" ? EXIT.ok : report.status === "DEGRADED" ? EXIT.degraded : EXIT.unhealthy;
    return { report, exitCode };
}

/** A plain-text rendering: one line per server, then the reasons. */
export function renderHealth(report: HealthReport): string {
    const ms = (n: number) => `${Math.round(n)} ms`;
    const lines = [`overall: ${report.status}  (${report.checkedAt})`];
    for (const s of report.services) {
        const tools = s.mcp.tools ? `${s.mcp.tools.length} tools` : "no tools";
        lines.push(`  ${s.status.padEnd(9)} ${s.name.padEnd(24)} rest ${s.rest.ok ? "ok" : "FAIL"} ${ms(s.rest.latencyMs)}  mcp ${s.mcp.ok ? "ok" : "FAIL"} ${ms(s.mcp.latencyMs)}  ${tools}`);
        for (const r of s.reasons) lines.push(`            - ${r}`);
        if (s.unexpectedTools.length > 0) lines.push(`            - not in the expected list: ${s.unexpectedTools.join(", ")}`);
    }
    if (report.redis) {
        const r = report.redis;
        const memory = r.usedMemoryBytes === undefined ? "" : `  memory ${Math.round(r.usedMemoryBytes / 2 ** 20)} MiB`;
        lines.push(`  ${r.status.padEnd(9)} ${"redis".padEnd(24)} ping ${Math.round(r.latencyMs)} ms${r.role ? `  role ${r.role}` : ""}${memory}`);
        for (const reason of r.reasons) lines.push(`            - ${reason}`);
    }
    for (const w of report.workloads ?? []) {
        lines.push(`  ${w.status.padEnd(9)} ${`${w.kind.toLowerCase()}/${w.name}`.padEnd(24)} ${w.ready}/${w.desired} ready, ${w.updated} up to date${w.observed ? "" : ", rollout not yet observed"}`);
    }
    if (report.clusterError) lines.push(`  DEGRADED  cluster                  ${report.clusterError}`);
    return lines.join("\n");
}
