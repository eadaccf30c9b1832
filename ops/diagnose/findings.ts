import type { Status } from "../health/status";
import { overallStatus } from "../health/status";
import type { ServiceChange } from "./changes";
import type { ServiceFacts } from "./gather";

/** One thing an on-call should know, with how bad it is and what to do about it. */
export interface Finding {
    /** NOTE: nothing wrong, but the report is less than complete without it (what was not checked). */
    severity: Exclude<Status, "HEALTHY"> | "NOTE";
    what: string;
    next?: string;
}

/** Waiting reasons that mean the container cannot run until something changes. */
const STUCK = new Set([
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "CreateContainerConfigError",
    "CreateContainerError",
    "InvalidImageName",
]);
/** Above this share of its limit a container is about to be killed (memory) or slowed (CPU). */
const NEAR_LIMIT = 0.9;
/** Throttled in more than this share of CFS periods: requests served slower than the CPU allows. */
const THROTTLED = 0.25;

const percent = (share: number) => `${Math.round(share * 100)}%`;
const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)}Mi`;

/**
 * What the facts mean, worst first: UNHEALTHY when nothing serves (no ready endpoint, containers
 * that cannot start, a name that does not resolve, every connection refused), DEGRADED when it
 * serves with a problem (restarts, OOM kills, warnings, an autoscaler at its ceiling, usage near a
 * limit), and what was not checked, so a clean report is never read as more than it is.
 */
export function findingsOf(f: ServiceFacts, changes: ServiceChange[]): Finding[] {
    const found: Finding[] = [];
    const add = (severity: Finding["severity"], what: string, next?: string) => found.push({ severity, what, next });
    const simulated = f.pods.length > 0 && f.pods.every((p) => p.simulated);

    if (f.workload && (f.workload.desired ?? 0) > 0 && f.pods.length === 0)
        add(
            "UNHEALTHY",
            `${f.workload.kind.toLowerCase()}/${f.workload.name} wants ${f.workload.desired} pods and has none`,
            "see the events below",
        );
    if (f.endpoints.ready.length === 0 && f.pods.length > 0)
        add("UNHEALTHY", `no ready endpoint behind Service ${f.service}: every connection to it fails`);
    else if (f.endpoints.notReady.length > 0)
        add("DEGRADED", `${f.endpoints.notReady.length} endpoint(s) not ready: ${f.endpoints.notReady.join(", ")}`);
    if (f.workload?.desired !== undefined && (f.workload.ready ?? 0) < f.workload.desired && f.pods.length > 0)
        add("DEGRADED", `${f.workload.ready}/${f.workload.desired} pods ready`);

    for (const pod of f.pods) {
        if (pod.phase === "Pending") add("DEGRADED", `pod ${pod.name} is Pending (not scheduled or not started)`, "see the events below");
        for (const c of pod.containers) {
            const stuck = /^waiting: (.*)$/.exec(c.state)?.[1];
            if (stuck && STUCK.has(stuck))
                add(
                    "UNHEALTHY",
                    `${pod.name}/${c.name} is ${stuck}`,
                    changes.length > 0
                        ? `it may follow update ${changes[0].version}: mcp-ops rollback --to ${changes[0].version - 1} --preview`
                        : undefined,
                );
            const last = c.lastTermination;
            if (c.restarts > 0 && last?.reason === "OOMKilled")
                add(
                    "DEGRADED",
                    `${pod.name}/${c.name} was OOMKilled (${c.restarts} restarts)`,
                    `raise its memory limit: mcp-ops resources ${f.service} --memory <more>`,
                );
            else if (c.restarts > 0)
                add(
                    "DEGRADED",
                    `${pod.name}/${c.name} restarted ${c.restarts} times, last: ${last?.reason ?? "?"} (exit ${last?.exitCode ?? "?"})`,
                    "the log of its last run is below",
                );
        }
    }

    if (f.dns.notChecked === undefined) {
        const wrong = f.dns.addresses.length === 0 || f.dns.addresses.some((a) => !f.dns.expected.includes(a));
        if (wrong)
            add(
                "UNHEALTHY",
                `cluster DNS answers ${f.dns.name} with ${f.dns.addresses.join(", ") || f.dns.rcode || "nothing"}, ` +
                    `expected ${f.dns.expected.join(", ") || "an address"}`,
            );
    }
    if (f.ingress.kind === "nobody")
        add(
            "DEGRADED",
            `no pod may connect to ${f.service}: NetworkPolicies ${f.ingress.policies.join(", ")} select it and allow nothing in`,
            "is a lockdown on? mcp-ops lockdown off",
        );

    if (f.hpa) {
        if ((f.hpa.current ?? 0) >= f.hpa.max && f.hpa.desired >= f.hpa.max)
            add(
                "DEGRADED",
                `the autoscaler is at its maximum (${f.hpa.max} replicas) and wants no fewer`,
                `mcp-ops scale ${f.service} --max <more>`,
            );
        for (const c of f.hpa.conditions) add("DEGRADED", `autoscaler: ${c}`);
    }
    for (const u of f.usage) {
        const where = `${u.pod}/${u.container}`;
        if (u.memoryBytes !== undefined && u.memoryLimit && u.memoryBytes / u.memoryLimit > NEAR_LIMIT)
            add(
                "DEGRADED",
                `${where} uses ${mib(u.memoryBytes)} of its ${mib(u.memoryLimit)} memory limit`,
                `mcp-ops resources ${f.service} --memory <more>`,
            );
        if (u.cpuCores !== undefined && u.cpuLimit && u.cpuCores / u.cpuLimit > NEAR_LIMIT)
            add(
                "DEGRADED",
                `${where} uses ${percent(u.cpuCores / u.cpuLimit)} of its CPU limit`,
                `mcp-ops resources ${f.service} --cpu <more>`,
            );
        if (u.throttledShare !== undefined && u.throttledShare > THROTTLED)
            add(
                "DEGRADED",
                `${where} was CPU-throttled in ${percent(u.throttledShare)} of periods since it started`,
                `mcp-ops resources ${f.service} --cpu <more>`,
            );
    }
    // A warning about a pod from before it last became Ready (a mount retried, a probe failing while
    // it started) is past: it stays in the events, but degrades nothing.
    const readySince = new Map(f.pods.filter((p) => p.readySince).map((p) => [`pod/${p.name}`, Date.parse(p.readySince!)]));
    const past = (e: (typeof f.events)[number]) => e.at !== undefined && Date.parse(e.at) < (readySince.get(e.object) ?? -Infinity);
    const warnings = f.events.filter((e) => e.type === "Warning");
    const current = warnings.filter((e) => !past(e));
    if (current.length > 0)
        add("DEGRADED", `${current.length} warning event(s), newest: ${current[0].reason}: ${current[0].message.split("\n")[0]}`);
    else if (warnings.length > 0) add("NOTE", `${warnings.length} warning event(s) from before the pods became ready`);

    if (simulated)
        add("NOTE", "its pods run on simulated nodes: Ready is reported, but no container runs, so no log, usage or answer exists");
    if (f.dns.notChecked) add("NOTE", `DNS not checked: ${f.dns.notChecked}`);
    for (const note of f.usageNotes) add("NOTE", `usage not measured: ${note}`);
    const rank: Record<Finding["severity"], number> = { UNHEALTHY: 0, DEGRADED: 1, NOTE: 2 };
    return found.sort((a, b) => rank[a.severity] - rank[b.severity]);
}

export const diagnosisStatus = (findings: Finding[]): Status =>
    overallStatus(findings.map((f) => (f.severity === "NOTE" ? "HEALTHY" : f.severity)));
