import { EXIT } from "../errors";
import { checkHealth, HealthReport } from "../health/health";
import { healthTargets, parseEndpoints } from "../health/targets";
import { readStackConfig } from "../stackFile";

export interface HealthCommandOptions {
    stack: string;
    projectDir: string;
    endpoint: string[];
    timeoutMs: number;
    slowMs: number;
}

/** `mcp-ops health`: returns the report and the exit code its overall status maps to. */
export async function healthCommand(options: HealthCommandOptions): Promise<{ report: HealthReport; exitCode: number }> {
    const config = readStackConfig(options.stack, options.projectDir);
    const targets = healthTargets(config, parseEndpoints(options.endpoint));
    const report = await checkHealth(targets, { timeoutMs: options.timeoutMs, slowMs: options.slowMs });
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
    return lines.join("\n");
}
