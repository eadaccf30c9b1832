import type { DiagnoseReport } from "../commands/diagnose";
import type { ContainerUsage } from "./usage";

const mib = (bytes: number | undefined) => (bytes === undefined ? "?" : `${Math.round(bytes / 2 ** 20)}Mi`);
const cores = (n: number | undefined) => (n === undefined ? "?" : `${Math.round(n * 1000)}m`);

function usageLine(u: ContainerUsage): string {
    const throttled = u.throttledShare === undefined ? "" : `, throttled ${Math.round(u.throttledShare * 100)}% of periods`;
    return (
        `  ${u.pod}/${u.container}: cpu ${cores(u.cpuCores)} (request ${cores(u.cpuRequest)}, limit ${cores(u.cpuLimit)})${throttled}; ` +
        `memory ${mib(u.memoryBytes)} (request ${mib(u.memoryRequest)}, limit ${mib(u.memoryLimit)})`
    );
}

/** The report an on-call reads top to bottom: the verdict and findings first, then the facts behind them. */
export function renderDiagnosis(r: DiagnoseReport): string {
    const f = r.facts;
    const lines = [`${r.status}  ${f.namespace}/${f.service}  (${r.checkedAt})`];
    for (const x of r.findings) lines.push(`  ${x.severity.padEnd(9)} ${x.what}${x.next ? `\n            → ${x.next}` : ""}`);
    if (r.findings.length === 0) lines.push("  nothing found");

    const workload = f.workload
        ? `${f.workload.kind.toLowerCase()}/${f.workload.name} ${f.workload.ready ?? 0}/${f.workload.desired ?? "?"} ready`
        : "no workload found";
    lines.push("", `service: ${f.clusterIP ?? "?"} ports ${f.ports.join(", ")}; ${workload}`);
    lines.push("pods:");
    for (const p of f.pods) {
        lines.push(
            `  ${p.name}  ${p.phase ?? "?"}${p.ready ? " ready" : " not ready"}  ` +
                `node ${p.node ?? "(none)"}${p.simulated ? " (simulated)" : ""}`,
        );
        for (const c of p.containers) {
            const t = c.lastTermination;
            const last = t ? `; last ended ${t.reason ?? "?"} exit ${t.exitCode ?? "?"} at ${t.finishedAt ?? "?"}` : "";
            lines.push(`    ${c.name}: ${c.state}, ${c.restarts} restarts${last}`);
            if (c.lastRunLog)
                lines.push(
                    `      log of the run that ended last (${c.lastRunLog.length} lines):`,
                    ...c.lastRunLog.map((l) => `        ${l}`),
                );
        }
    }
    if (f.pods.length === 0) lines.push("  (none)");
    lines.push(
        `endpoints: ${f.endpoints.ready.length} ready${f.endpoints.ready.length ? ` (${f.endpoints.ready.join(", ")})` : ""}, ` +
            `${f.endpoints.notReady.length} not ready`,
    );
    lines.push(
        f.dns.notChecked
            ? `dns: ${f.dns.name} not checked (${f.dns.notChecked})`
            : `dns: ${f.dns.name} → ${f.dns.addresses.join(", ") || f.dns.rcode} (expected ${f.dns.expected.join(", ")})`,
    );
    lines.push("network policies selecting its pods:");
    for (const p of f.policies) {
        const ingress = !p.restrictsIngress
            ? "ingress not restricted"
            : p.ingress.length === 0
              ? "ingress: none allowed"
              : `ingress: ${p.ingress.map((x) => `${x.peers.join(" | ")} on ${x.ports.join(", ")}`).join("; ")}`;
        const egress = !p.restrictsEgress
            ? ""
            : p.egress.length === 0
              ? "; egress: none allowed"
              : `; egress: ${p.egress.map((x) => `${x.peers.join(" | ")} on ${x.ports.join(", ")}`).join("; ")}`;
        lines.push(`  ${p.name}: ${ingress}${egress}`);
    }
    if (f.policies.length === 0) lines.push("  (none)");
    lines.push(
        `may connect: ${
            f.ingress.kind === "anyone"
                ? `anyone (${f.ingress.why})`
                : f.ingress.kind === "nobody"
                  ? "nobody"
                  : f.ingress.rules.map((x) => `${x.peers.join(" | ")} on ${x.ports.join(", ")}`).join("; ")
        }`,
    );
    if (f.hpa)
        lines.push(
            `autoscaler: ${f.hpa.current ?? "?"} current, ${f.hpa.desired} desired, bounds ${f.hpa.min}-${f.hpa.max}; ` +
                `${f.hpa.metrics.join(", ") || "no metrics"}`,
        );
    else lines.push("autoscaler: none (fixed replicas)");
    lines.push("usage:", ...(f.usage.length ? f.usage.map(usageLine) : ["  (not measured)"]));
    lines.push(`events (last ${r.sinceMinutes} min, newest first):`);
    for (const e of f.events.slice(0, 15))
        lines.push(
            `  ${e.at ?? "?"} ${(e.type ?? "").padEnd(7)} ${e.object} ${e.reason}: ${e.message}${e.count > 1 ? ` (×${e.count})` : ""}`,
        );
    if (f.events.length > 15) lines.push(`  … ${f.events.length - 15} more (--json has them all)`);
    if (f.events.length === 0) lines.push("  (none)");
    lines.push("ops changes touching it:");
    if (r.changesNote) lines.push(`  (${r.changesNote})`);
    for (const c of r.changes)
        lines.push(
            `  update ${c.version} ${c.startTime} ${c.result} ${c.operation}${c.actor ? ` by ${c.actor}` : ""}` +
                `${c.reason ? ` (${c.reason})` : ""}: ${c.paths.join(", ")}`,
        );
    if (!r.changesNote && r.changes.length === 0) lines.push("  (none)");
    return lines.join("\n");
}
