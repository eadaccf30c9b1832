import type { HealthCommandReport } from "../commands/health";

/** A plain-text rendering: one line per server, then the reasons. */
export function renderHealth(report: HealthCommandReport): string {
    const ms = (n: number) => `${Math.round(n)} ms`;
    const lines = [`overall: ${report.status}  (${report.checkedAt})`];
    for (const s of report.services) {
        const tools = s.mcp.tools ? `${s.mcp.tools.length} tools` : "no tools";
        lines.push(
            `  ${s.status.padEnd(9)} ${s.name.padEnd(24)} rest ${s.rest.ok ? "ok" : "FAIL"} ${ms(s.rest.latencyMs)}  mcp ` +
                `${s.mcp.ok ? "ok" : "FAIL"} ${ms(s.mcp.latencyMs)}  ${tools}`,
        );
        for (const r of s.reasons) lines.push(`            - ${r}`);
        if (s.unexpectedTools.length > 0) lines.push(`            - not in the expected list: ${s.unexpectedTools.join(", ")}`);
    }
    for (const c of report.components ?? []) {
        const metrics = c.metrics
            ? `  metrics ${c.metrics.ok ? `ok ${ms(c.metrics.latencyMs)}, ${c.metrics.samples} samples` : "FAIL"}`
            : "";
        lines.push(`  ${c.status.padEnd(9)} ${c.name.padEnd(24)} rest ${c.rest.ok ? "ok" : "FAIL"} ${ms(c.rest.latencyMs)}${metrics}`);
        for (const r of c.reasons) lines.push(`            - ${r}`);
    }
    for (const n of report.notChecked) lines.push(`  ${"-".padEnd(9)} ${n.name.padEnd(24)} not checked: ${n.reason}`);
    if (report.redis) {
        const r = report.redis;
        const memory = r.usedMemoryBytes === undefined ? "" : `  memory ${Math.round(r.usedMemoryBytes / 2 ** 20)} MiB`;
        lines.push(
            `  ${r.status.padEnd(9)} ${"redis".padEnd(24)} ping ${Math.round(r.latencyMs)} ms${r.role ? `  role ${r.role}` : ""}${memory}`,
        );
        for (const reason of r.reasons) lines.push(`            - ${reason}`);
    }
    if (report.postgres) {
        const p = report.postgres;
        const details =
            p.connections === undefined
                ? ""
                : `  ${p.inRecovery ? "standby" : "primary"}  connections ${p.connections}/${p.maxConnections}`;
        lines.push(`  ${p.status.padEnd(9)} ${"postgres".padEnd(24)} login + query ${ms(p.latencyMs)}${details}`);
        for (const reason of p.reasons) lines.push(`            - ${reason}`);
    }
    for (const w of report.workloads ?? []) {
        const simulated = w.simulated ? " (simulated: no container runs)" : "";
        lines.push(
            `  ${w.status.padEnd(9)} ${`${w.kind.toLowerCase()}/${w.name}`.padEnd(24)} ${w.ready}/${w.desired} ready, ${w.updated} up to ` +
                `date${w.observed ? "" : ", rollout not yet observed"}${simulated}`,
        );
    }
    if (report.clusterError) lines.push(`  DEGRADED  cluster                  ${report.clusterError}`);
    for (const hint of report.hints) lines.push(`  hint: ${hint}`);
    return lines.join("\n");
}
