import { InvalidInputError } from "../errors";
import { type CoreEvent, kubeConfigFrom, loadKubeClient, type V1Pod, type HorizontalPodAutoscaler } from "../kube/client";
import { isSimulatedNode } from "../kube/simulated";
import { type DnsCheck, resolveInCluster } from "./dns";
import { ingressVerdict, type IngressVerdict, type SelectingPolicy, selectingPolicies } from "./policies";
import { type PodFacts, podFacts } from "./pods";
import { secretMasker } from "./redact";
import { type ContainerUsage, containerUsage, type KubeletSummary, throttlingFromCadvisor } from "./usage";

export interface EventFacts {
    at?: string;
    type?: string;
    reason?: string;
    object: string;
    message: string;
    count: number;
}

export interface HpaFacts {
    min: number;
    max: number;
    current?: number;
    desired: number;
    /** Each metric as "cpu 85% (target 70%)". */
    metrics: string[];
    /** Conditions that are not as they should be (AbleToScale false, ScalingLimited true, …). */
    conditions: string[];
}

/** Everything `diagnose` looks at, read from the cluster once. */
export interface ServiceFacts {
    service: string;
    namespace: string;
    clusterIP?: string;
    ports: string[];
    workload?: { kind: string; name: string; desired?: number; ready?: number; updated?: number };
    pods: PodFacts[];
    events: EventFacts[];
    endpoints: { ready: string[]; notReady: string[] };
    dns: DnsCheck;
    policies: SelectingPolicy[];
    ingress: IngressVerdict;
    hpa?: HpaFacts;
    usage: ContainerUsage[];
    /** Why usage figures are missing for some or all containers. */
    usageNotes: string[];
}

export interface GatherOptions {
    /** Lines of each previous container run's log to show. */
    logLines: number;
    /** Events older than this are left out. */
    sinceSeconds: number;
    /** Skip the DNS check (it opens a port-forward to the cluster DNS). */
    dns: boolean;
}

const firstLine = (error: unknown) => String((error as Error)?.message ?? error).split("\n")[0];

/** Reads the Service, its pods, workload, events, endpoints, policies, autoscaler, usage and DNS answer. */
export async function gatherServiceFacts(kubeconfig: string, namespace: string, service: string, o: GatherOptions): Promise<ServiceFacts> {
    const k8s = await loadKubeClient();
    const kc = await kubeConfigFrom(kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
    const autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
    const networking = kc.makeApiClient(k8s.NetworkingV1Api);

    const svc = await core.readNamespacedService({ name: service, namespace }).catch(async (error: unknown) => {
        const names = await core.listNamespacedService({ namespace }).then(
            (l) => l.items.map((s) => s.metadata!.name!).join(", "),
            () => "",
        );
        throw new InvalidInputError(
            `no Service "${service}" in namespace ${namespace} (${firstLine(error)})` + (names ? `; the Services there: ${names}` : ""),
        );
    });
    const selector = svc.spec?.selector ?? {};
    const labelSelector = Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");

    const [pods, allPods, events, slices, policies, autoscalers, simulatedNodes] = await Promise.all([
        labelSelector ? core.listNamespacedPod({ namespace, labelSelector }).then((l) => l.items) : Promise.resolve<V1Pod[]>([]),
        core.listNamespacedPod({ namespace }).then((l) => l.items),
        core.listNamespacedEvent({ namespace }).then((l) => l.items),
        discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` }).then((l) => l.items),
        networking.listNamespacedNetworkPolicy({ namespace }).then((l) => l.items),
        autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace }).then((l) => l.items),
        // Reading nodes needs a cluster-wide permission a namespaced operator may lack: then nothing is marked.
        core.listNode().then(
            (nodes) => new Set(nodes.items.filter(isSimulatedNode).map((n) => n.metadata!.name!)),
            () => new Set<string>(),
        ),
    ]);

    const workload = await owningWorkload(apps, namespace, service, pods);
    const mask = secretMasker(await secretValuesReadBy(core, namespace, pods));
    const facts = pods.map((p) => podFacts(p, simulatedNodes));
    await Promise.all(
        facts.flatMap((pod) =>
            pod.containers
                .filter((c) => (c.lastTermination || c.state.startsWith("terminated")) && !pod.simulated)
                .map(async (c) => {
                    // The run that ended last: the current one when it has just ended (the kubelet keeps one
                    // ended container per container, so the one before it may be gone), else the previous one.
                    const previous = !c.state.startsWith("terminated");
                    const log = await core
                        .readNamespacedPodLog({ name: pod.name, namespace, container: c.name, previous, tailLines: o.logLines })
                        .then(String, (error: unknown) => `(no log of the last run: ${firstLine(error)})`);
                    c.lastRunLog = mask(log).trimEnd().split("\n").slice(-o.logLines);
                }),
        ),
    );

    const endpoints = { ready: [] as string[], notReady: [] as string[] };
    for (const slice of slices)
        for (const e of slice.endpoints ?? []) {
            const who = e.targetRef?.name ? `${e.targetRef.name} (${e.addresses.join(",")})` : e.addresses.join(",");
            (e.conditions?.ready === false ? endpoints.notReady : endpoints.ready).push(who);
        }

    const headless = svc.spec?.clusterIP === "None";
    const expected = headless
        ? slices.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses))
        : [svc.spec?.clusterIP ?? ""];
    const dnsName = `${service}.${namespace}.svc.cluster.local`;
    const dns: DnsCheck = o.dns
        ? await resolveInCluster(kubeconfig, dnsName, expected)
        : { name: dnsName, addresses: [], expected, notChecked: "skipped (--no-dns)" };

    const selecting = selectingPolicies(
        policies,
        pods[0]?.metadata?.labels ?? selector,
        allPods.map((p) => p.metadata?.labels ?? {}),
    );
    const hpa = autoscalers.find(
        (h) => workload && h.spec?.scaleTargetRef.kind === workload.kind && h.spec.scaleTargetRef.name === workload.name,
    );
    const { usage, notes } = await usageOf(core, namespace, pods, simulatedNodes);

    return {
        service,
        namespace,
        clusterIP: svc.spec?.clusterIP,
        ports: (svc.spec?.ports ?? []).map((p) => `${p.name ? `${p.name} ` : ""}${p.port}/${p.protocol ?? "TCP"}`),
        workload,
        pods: facts,
        events: relatedEvents(events, service, workload?.name, pods, hpa?.metadata?.name, o.sinceSeconds).map((e) => ({
            ...e,
            message: mask(e.message),
        })),
        endpoints,
        dns,
        policies: selecting,
        ingress: ingressVerdict(selecting),
        hpa: hpa ? hpaFacts(hpa) : undefined,
        usage,
        usageNotes: notes,
    };
}

type AppsApi = InstanceType<Awaited<ReturnType<typeof loadKubeClient>>["AppsV1Api"]>;
type CoreApi = InstanceType<Awaited<ReturnType<typeof loadKubeClient>>["CoreV1Api"]>;

/** The Deployment (through the pods' ReplicaSet) or StatefulSet that runs the Service's pods. */
async function owningWorkload(apps: AppsApi, namespace: string, service: string, pods: V1Pod[]): Promise<ServiceFacts["workload"]> {
    const owner = pods.flatMap((p) => p.metadata?.ownerReferences ?? []).find((r) => r.controller);
    let ref = owner && { kind: owner.kind, name: owner.name };
    if (owner?.kind === "ReplicaSet") {
        const rs = await apps.readNamespacedReplicaSet({ name: owner.name, namespace }).catch(() => undefined);
        const deployment = rs?.metadata?.ownerReferences?.find((r) => r.controller);
        ref = deployment && { kind: deployment.kind, name: deployment.name };
    }
    // No pods (scaled to zero, or none could be created): the workload of the same name, if any.
    const candidates = ref
        ? [ref]
        : [
              { kind: "Deployment", name: service },
              { kind: "StatefulSet", name: service },
          ];
    for (const { kind, name } of candidates) {
        const found =
            kind === "Deployment"
                ? await apps.readNamespacedDeployment({ name, namespace }).catch(() => undefined)
                : kind === "StatefulSet"
                  ? await apps.readNamespacedStatefulSet({ name, namespace }).catch(() => undefined)
                  : undefined;
        if (found)
            return {
                kind,
                name,
                desired: found.spec?.replicas,
                ready: found.status?.readyReplicas ?? 0,
                updated: found.status?.updatedReplicas ?? 0,
            };
    }
    return ref;
}

/**
 * Every value of the Secrets the pods read (env, envFrom, volumes), so none of them is shown when a
 * log line or an event quotes it. Unreadable Secrets are skipped: the reader could not read them either.
 */
async function secretValuesReadBy(core: CoreApi, namespace: string, pods: V1Pod[]): Promise<string[]> {
    const names = new Set<string>();
    for (const pod of pods) {
        for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
            for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name) names.add(e.valueFrom.secretKeyRef.name);
            for (const e of c.envFrom ?? []) if (e.secretRef?.name) names.add(e.secretRef.name);
        }
        for (const v of pod.spec?.volumes ?? []) if (v.secret?.secretName) names.add(v.secret.secretName);
    }
    const secrets = await Promise.all([...names].map((name) => core.readNamespacedSecret({ name, namespace }).catch(() => undefined)));
    return secrets.flatMap((s) => Object.values(s?.data ?? {}).map((v) => Buffer.from(v, "base64").toString()));
}

/** Events about the Service, its workload, its ReplicaSets, its pods (current and replaced) and its autoscaler. */
export function relatedEvents(
    events: CoreEvent[],
    service: string,
    workload: string | undefined,
    pods: V1Pod[],
    hpa: string | undefined,
    sinceSeconds: number,
    now = Date.now(),
): EventFacts[] {
    const names = new Set([service, workload, hpa, ...pods.map((p) => p.metadata?.name)].filter((n): n is string => !!n));
    // Pods and ReplicaSets a Deployment or StatefulSet named so creates: <name>-<hash>[-<suffix>], <name>-<ordinal>.
    const generated = workload
        ? new RegExp(`^${workload.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-([a-z0-9]{5,10}(-[a-z0-9]{5})?|\\d+)$`)
        : undefined;
    return events
        .filter((e) => names.has(e.involvedObject.name ?? "") || (generated?.test(e.involvedObject.name ?? "") ?? false))
        .map((e) => ({ e, at: e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp }))
        .filter(({ at }) => at === undefined || now - new Date(at).getTime() <= sinceSeconds * 1000)
        .sort((a, b) => new Date(b.at ?? 0).getTime() - new Date(a.at ?? 0).getTime())
        .map(({ e, at }) => ({
            at: at === undefined ? undefined : new Date(at).toISOString(),
            type: e.type,
            reason: e.reason,
            object: `${e.involvedObject.kind?.toLowerCase()}/${e.involvedObject.name}`,
            message: (e.message ?? "").trim(),
            count: e.count ?? 1,
        }));
}

export function hpaFacts(hpa: HorizontalPodAutoscaler): HpaFacts {
    const current = new Map((hpa.status?.currentMetrics ?? []).map((m) => [m.resource?.name ?? m.type, m.resource?.current]));
    return {
        min: hpa.spec?.minReplicas ?? 1,
        max: hpa.spec?.maxReplicas ?? 0,
        current: hpa.status?.currentReplicas,
        desired: hpa.status?.desiredReplicas ?? 0,
        metrics: (hpa.spec?.metrics ?? []).map((m) => {
            const name = m.resource?.name ?? m.type;
            const target = m.resource?.target.averageUtilization;
            const now = current.get(name)?.averageUtilization;
            return `${name} ${now === undefined ? "unknown" : `${now}%`}${target === undefined ? "" : ` (target ${target}%)`}`;
        }),
        conditions: (hpa.status?.conditions ?? [])
            .filter((c) => (c.type === "ScalingLimited" ? c.status === "True" : c.status !== "True"))
            .map((c) => `${c.type}=${c.status}: ${c.reason ?? ""}${c.message ? ` (${c.message})` : ""}`),
    };
}

/**
 * CPU and memory of the pods' containers from the kubelet of each real node (its summary API,
 * what metrics-server reads; throttling from its cAdvisor metrics), through the API server's node
 * proxy. Simulated nodes have no kubelet to ask.
 */
async function usageOf(
    core: CoreApi,
    namespace: string,
    pods: V1Pod[],
    simulatedNodes: Set<string>,
): Promise<{ usage: ContainerUsage[]; notes: string[] }> {
    const nodes = [...new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n))];
    const notes: string[] = [];
    const summaries: KubeletSummary[] = [];
    const throttling = new Map<string, number>();
    for (const node of nodes) {
        if (simulatedNodes.has(node)) {
            notes.push(`node ${node} is simulated: no kubelet measures its pods`);
            continue;
        }
        try {
            // The client hands back the JSON it received already parsed, though its type says string.
            const body: unknown = await core.connectGetNodeProxyWithPath({ name: node, path: "stats/summary" });
            summaries.push((typeof body === "string" ? JSON.parse(body) : body) as KubeletSummary);
        } catch (error) {
            notes.push(
                `node ${node}: the kubelet's summary could not be read through the API server (${firstLine(error)}); ` +
                    "reading it needs get on nodes/proxy",
            );
            continue;
        }
        try {
            for (const [k, v] of throttlingFromCadvisor(
                await core.connectGetNodeProxyWithPath({ name: node, path: "metrics/cadvisor" }),
                namespace,
            ))
                throttling.set(k, v);
        } catch (error) {
            notes.push(`node ${node}: no CPU throttling figures (cAdvisor metrics: ${firstLine(error)})`);
        }
    }
    const live = pods.filter((p) => !simulatedNodes.has(p.spec?.nodeName ?? ""));
    return { usage: containerUsage(live, namespace, summaries, throttling), notes };
}
