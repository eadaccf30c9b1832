import type { V1Pod } from "../kube/client";

export interface LastTermination {
    reason?: string;
    exitCode?: number;
    signal?: number;
    finishedAt?: string;
}

export interface ContainerFacts {
    name: string;
    ready: boolean;
    restarts: number;
    /** "running", "waiting: CrashLoopBackOff", "terminated: Error (exit 1)". */
    state: string;
    lastTermination?: LastTermination;
    /** The end of the log of the container's run that ended last (`kubectl logs [--previous]`), secrets masked. */
    lastRunLog?: string[];
}

export interface PodFacts {
    name: string;
    node?: string;
    phase?: string;
    ready: boolean;
    /** When it last became Ready, if it is. */
    readySince?: string;
    /** On a simulated node: reported Ready, but no container runs. */
    simulated: boolean;
    containers: ContainerFacts[];
}

const when = (date: Date | string | undefined) => (date === undefined ? undefined : new Date(date).toISOString());

/** A pod's status as an on-call reads it first: readiness, each container's state, restarts and last termination. */
export function podFacts(pod: V1Pod, simulatedNodes: Set<string>): PodFacts {
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    const ready = pod.status?.conditions?.find((c) => c.type === "Ready" && c.status === "True");
    return {
        name: pod.metadata?.name ?? "?",
        node: pod.spec?.nodeName,
        phase: pod.status?.phase,
        ready: ready !== undefined,
        readySince: when(ready?.lastTransitionTime),
        simulated: pod.spec?.nodeName !== undefined && simulatedNodes.has(pod.spec.nodeName),
        containers: statuses.map((c) => {
            const { running, waiting, terminated } = c.state ?? {};
            const last = c.lastState?.terminated;
            return {
                name: c.name,
                ready: c.ready,
                restarts: c.restartCount,
                state: running
                    ? "running"
                    : waiting
                      ? `waiting: ${waiting.reason ?? "?"}`
                      : terminated
                        ? `terminated: ${terminated.reason ?? "?"} (exit ${terminated.exitCode})`
                        : "unknown",
                lastTermination: last
                    ? { reason: last.reason, exitCode: last.exitCode, signal: last.signal, finishedAt: when(last.finishedAt) }
                    : undefined,
            };
        }),
    };
}
