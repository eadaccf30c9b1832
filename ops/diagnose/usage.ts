import { cpuCores, memoryBytes } from "../../config/quantities";
import type { V1Pod } from "../kube/client";

/** One container's use of CPU and memory beside what its spec requests and limits. */
export interface ContainerUsage {
    pod: string;
    container: string;
    cpuCores?: number;
    memoryBytes?: number;
    cpuRequest?: number;
    cpuLimit?: number;
    memoryRequest?: number;
    memoryLimit?: number;
    /** Share of CFS periods in which the container was throttled, since it started (cAdvisor's counters). */
    throttledShare?: number;
}

/** The kubelet's summary API (`/stats/summary`), the part read here; metrics-server reads the same. */
export interface KubeletSummary {
    pods?: Array<{
        podRef: { name: string; namespace: string };
        containers?: Array<{ name: string; cpu?: { usageNanoCores?: number }; memory?: { workingSetBytes?: number } }>;
    }>;
}

/**
 * CPU throttling per container from the kubelet's cAdvisor metrics: throttled periods over all
 * periods, keyed `pod/container`. Lines are `name{labels} value [timestamp]`.
 */
export function throttlingFromCadvisor(text: string, namespace: string): Map<string, number> {
    const counters = new Map<string, { throttled?: number; periods?: number }>();
    const line = /^(container_cpu_cfs_(?:throttled_)?periods_total)\{([^}]*)\} (\S+)/gm;
    for (const [, name, labelText, value] of text.matchAll(line)) {
        const labels = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
        if (labels.namespace !== namespace || !labels.container || !labels.pod) continue;
        const key = `${labels.pod}/${labels.container}`;
        const entry = counters.get(key) ?? {};
        if (name === "container_cpu_cfs_periods_total") entry.periods = Number(value);
        else entry.throttled = Number(value);
        counters.set(key, entry);
    }
    const shares = new Map<string, number>();
    for (const [key, { throttled, periods }] of counters) if (periods && throttled !== undefined) shares.set(key, throttled / periods);
    return shares;
}

/** Every container of the pods with its usage (from the summaries of their nodes), requests and limits. */
export function containerUsage(
    pods: V1Pod[],
    namespace: string,
    summaries: KubeletSummary[],
    throttling: Map<string, number>,
): ContainerUsage[] {
    const used = new Map<string, { cpu?: number; memory?: number }>();
    for (const summary of summaries)
        for (const pod of summary.pods ?? [])
            if (pod.podRef.namespace === namespace)
                for (const c of pod.containers ?? [])
                    used.set(`${pod.podRef.name}/${c.name}`, {
                        cpu: c.cpu?.usageNanoCores !== undefined ? c.cpu.usageNanoCores / 1e9 : undefined,
                        memory: c.memory?.workingSetBytes,
                    });
    return pods.flatMap((pod) =>
        (pod.spec?.containers ?? []).map((c) => {
            const key = `${pod.metadata?.name}/${c.name}`;
            return {
                pod: pod.metadata?.name ?? "?",
                container: c.name,
                cpuCores: used.get(key)?.cpu,
                memoryBytes: used.get(key)?.memory,
                cpuRequest: cpuCores(c.resources?.requests?.cpu),
                cpuLimit: cpuCores(c.resources?.limits?.cpu),
                memoryRequest: memoryBytes(c.resources?.requests?.memory),
                memoryLimit: memoryBytes(c.resources?.limits?.memory),
                throttledShare: throttling.get(key),
            };
        }),
    );
}
