import { describe, expect, it } from "vitest";
import { changesTouching } from "../../ops/diagnose/changes";
import { diagnosisStatus, findingsOf } from "../../ops/diagnose/findings";
import { hpaFacts, relatedEvents, type ServiceFacts } from "../../ops/diagnose/gather";
import { ingressVerdict, selectingPolicies } from "../../ops/diagnose/policies";
import { podFacts } from "../../ops/diagnose/pods";
import { secretMasker } from "../../ops/diagnose/redact";
import { describeSelector, selects } from "../../ops/diagnose/selectors";
import { containerUsage, throttlingFromCadvisor } from "../../ops/diagnose/usage";
import type { CoreEvent, V1NetworkPolicy, V1Pod, HorizontalPodAutoscaler } from "../../ops/kube/client";
import type { HistoryEntry } from "../../ops/stack/history";

const NS = "mcp-system";

const pod = (name: string, over: Partial<V1Pod["status"]> = {}, node = "real-node"): V1Pod =>
    ({
        metadata: { name, labels: { app: "router" } },
        spec: {
            nodeName: node,
            containers: [
                { name: "router", resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } } },
            ],
        },
        status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }], containerStatuses: [], ...over },
    }) as unknown as V1Pod;

/** Facts of a service in good order; each test spoils one part. */
function healthyFacts(over: Partial<ServiceFacts> = {}): ServiceFacts {
    return {
        service: "router",
        namespace: NS,
        clusterIP: "10.96.0.20",
        ports: ["http 9091/TCP"],
        workload: { kind: "Deployment", name: "router", desired: 2, ready: 2, updated: 2 },
        pods: [podFacts(pod("router-7d9f8-abcde"), new Set()), podFacts(pod("router-7d9f8-fghij"), new Set())],
        events: [],
        endpoints: { ready: ["router-7d9f8-abcde (10.244.0.5)", "router-7d9f8-fghij (10.244.0.6)"], notReady: [] },
        dns: { name: `router.${NS}.svc.cluster.local`, addresses: ["10.96.0.20"], expected: ["10.96.0.20"], rcode: "NOERROR" },
        policies: [],
        ingress: { kind: "rules", rules: [{ policy: "router", peers: ["pods app=gateway (2 here now)"], ports: ["9091/TCP"] }] },
        usage: [],
        usageNotes: [],
        ...over,
    };
}

describe("label selectors", () => {
    it("match as the API server does: labels, In, NotIn, Exists, DoesNotExist; empty selects all", () => {
        const labels = { app: "router", tier: "edge" };
        expect(selects({}, labels)).toBe(true);
        expect(selects({ matchLabels: { app: "router" } }, labels)).toBe(true);
        expect(selects({ matchLabels: { app: "gateway" } }, labels)).toBe(false);
        expect(selects({ matchExpressions: [{ key: "tier", operator: "In", values: ["edge", "core"] }] }, labels)).toBe(true);
        expect(selects({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["edge"] }] }, labels)).toBe(false);
        expect(selects({ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }, labels)).toBe(true);
        expect(selects({ matchExpressions: [{ key: "app", operator: "Exists" }] }, labels)).toBe(true);
        expect(selects({ matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, labels)).toBe(false);
        expect(describeSelector({ matchLabels: { app: "x" }, matchExpressions: [{ key: "t", operator: "In", values: ["a", "b"] }] })).toBe(
            "app=x,t in (a,b)",
        );
        expect(describeSelector({})).toBe("(all)");
    });
});

describe("NetworkPolicies that select a service's pods", () => {
    const policy = (name: string, spec: object) => ({ metadata: { name }, spec }) as unknown as V1NetworkPolicy;
    const defaultDeny = policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    const callers = policy("router", {
        podSelector: { matchLabels: { app: "router" } },
        policyTypes: ["Ingress"],
        ingress: [{ _from: [{ podSelector: { matchLabels: { app: "gateway" } } }], ports: [{ port: 9091, protocol: "TCP" }] }],
    });
    const other = policy("redis", { podSelector: { matchLabels: { app: "redis" } }, policyTypes: ["Ingress"], ingress: [{}] });
    const namespacePods = [{ app: "gateway" }, { app: "gateway" }, { app: "router" }];

    it("adds up the allowing rules of every selecting policy, and counts the pods a peer matches now", () => {
        const selecting = selectingPolicies([defaultDeny, callers, other], { app: "router" }, namespacePods);
        expect(selecting.map((p) => p.name)).toEqual(["default-deny", "router"]);
        expect(ingressVerdict(selecting)).toEqual({
            kind: "rules",
            rules: [{ policy: "router", peers: ["pods app=gateway (2 here now)"], ports: ["9091/TCP"] }],
        });
    });

    it("says nobody may connect when the selecting policies allow nothing in, and anyone when none restricts", () => {
        expect(ingressVerdict(selectingPolicies([defaultDeny], { app: "router" }, namespacePods))).toEqual({
            kind: "nobody",
            policies: ["default-deny"],
        });
        expect(ingressVerdict(selectingPolicies([other], { app: "router" }, namespacePods)).kind).toBe("anyone");
    });
});

describe("CPU and memory against requests and limits", () => {
    it("reads throttling from cAdvisor's counters of this namespace, with or without timestamps", () => {
        const text = [
            "# TYPE container_cpu_cfs_periods_total counter",
            `container_cpu_cfs_periods_total{container="router",id="/x",namespace="${NS}",pod="router-1"} 200 1700000000000`,
            `container_cpu_cfs_throttled_periods_total{container="router",id="/x",namespace="${NS}",pod="router-1"} 50 1700000000000`,
            `container_cpu_cfs_periods_total{container="router",namespace="other",pod="router-1"} 10`,
            `container_cpu_cfs_throttled_periods_total{container="router",namespace="other",pod="router-1"} 10`,
        ].join("\n");
        expect([...throttlingFromCadvisor(text, NS)]).toEqual([["router-1/router", 0.25]]);
    });

    it("puts the kubelet's figures beside each container's spec", () => {
        const usage = containerUsage(
            [pod("router-1")],
            NS,
            [
                {
                    pods: [
                        {
                            podRef: { name: "router-1", namespace: NS },
                            containers: [{ name: "router", cpu: { usageNanoCores: 250e6 }, memory: { workingSetBytes: 240 * 2 ** 20 } }],
                        },
                    ],
                },
            ],
            new Map([["router-1/router", 0.4]]),
        );
        expect(usage).toEqual([
            {
                pod: "router-1",
                container: "router",
                cpuCores: 0.25,
                memoryBytes: 240 * 2 ** 20,
                cpuRequest: 0.1,
                cpuLimit: 0.5,
                memoryRequest: 128 * 2 ** 20,
                memoryLimit: 256 * 2 ** 20,
                throttledShare: 0.4,
            },
        ]);
        const findings = findingsOf(healthyFacts({ usage }), []);
        expect(findings.map((f) => f.what)).toEqual([
            "router-1/router uses 240Mi of its 256Mi memory limit",
            "router-1/router was CPU-throttled in 40% of periods since it started",
        ]);
        expect(diagnosisStatus(findings)).toBe("DEGRADED");
    });
});

describe("findings", () => {
    it("finds nothing wrong with a service in good order", () => {
        expect(findingsOf(healthyFacts(), [])).toEqual([]);
        expect(diagnosisStatus([])).toBe("HEALTHY");
    });

    it("is UNHEALTHY when no endpoint is ready, a container cannot start, or the name resolves wrong; the worst comes first", () => {
        const crashing = podFacts(
            pod("router-1", {
                conditions: [{ type: "Ready", status: "False" }],
                containerStatuses: [
                    {
                        name: "router",
                        ready: false,
                        restartCount: 4,
                        image: "i",
                        imageID: "",
                        state: { waiting: { reason: "CrashLoopBackOff" } },
                        lastState: { terminated: { reason: "Error", exitCode: 3, finishedAt: new Date("2026-12-02T10:00:00Z") } },
                    },
                ],
            } as Partial<V1Pod["status"]>),
            new Set(),
        );
        expect(crashing.containers[0]).toMatchObject({
            state: "waiting: CrashLoopBackOff",
            restarts: 4,
            lastTermination: { reason: "Error", exitCode: 3, finishedAt: "2026-12-02T10:00:00.000Z" },
        });
        const change = {
            version: 12,
            startTime: "",
            result: "succeeded",
            operation: "resources",
            paths: ["services.router.resources.limits.memory"],
        };
        const findings = findingsOf(
            healthyFacts({
                pods: [crashing],
                workload: { kind: "Deployment", name: "router", desired: 1, ready: 0 },
                endpoints: { ready: [], notReady: ["router-1 (10.244.0.5)"] },
                dns: { name: "router", addresses: [], rcode: "NXDOMAIN", expected: ["10.96.0.20"] },
            }),
            [change],
        );
        expect(diagnosisStatus(findings)).toBe("UNHEALTHY");
        expect(findings.map((f) => `${f.severity} ${f.what}`)).toEqual([
            "UNHEALTHY no ready endpoint behind Service router: every connection to it fails",
            "UNHEALTHY router-1/router is CrashLoopBackOff",
            "UNHEALTHY cluster DNS answers router with NXDOMAIN, expected 10.96.0.20",
            "DEGRADED 0/1 pods ready",
            "DEGRADED router-1/router restarted 4 times, last: Error (exit 3)",
        ]);
        expect(findings[1].next).toBe("it may follow update 12: mcp-ops rollback --to 11 --preview");
    });

    it("names OOM kills with the command that raises the limit, and an autoscaler stuck at its maximum", () => {
        const oom = podFacts(
            pod("router-1", {
                containerStatuses: [
                    {
                        name: "router",
                        ready: true,
                        restartCount: 2,
                        image: "i",
                        imageID: "",
                        state: { running: {} },
                        lastState: { terminated: { reason: "OOMKilled", exitCode: 137 } },
                    },
                ],
            } as Partial<V1Pod["status"]>),
            new Set(),
        );
        const hpa = hpaFacts({
            spec: {
                minReplicas: 2,
                maxReplicas: 4,
                scaleTargetRef: { kind: "Deployment", name: "router" },
                metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
            },
            status: {
                currentReplicas: 4,
                desiredReplicas: 4,
                currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 95 } } }],
                conditions: [
                    { type: "AbleToScale", status: "True", reason: "ReadyForNewScale" },
                    {
                        type: "ScalingLimited",
                        status: "True",
                        reason: "TooManyReplicas",
                        message: "the desired replica count is more than the maximum",
                    },
                ],
            },
        } as unknown as HorizontalPodAutoscaler);
        expect(hpa.metrics).toEqual(["cpu 95% (target 70%)"]);
        const findings = findingsOf(healthyFacts({ pods: [oom], hpa }), []);
        expect(findings).toEqual([
            {
                severity: "DEGRADED",
                what: "router-1/router was OOMKilled (2 restarts)",
                next: "raise its memory limit: mcp-ops resources router --memory <more>",
            },
            {
                severity: "DEGRADED",
                what: "the autoscaler is at its maximum (4 replicas) and wants no fewer",
                next: "mcp-ops scale router --max <more>",
            },
            {
                severity: "DEGRADED",
                what: "autoscaler: ScalingLimited=True: TooManyReplicas (the desired replica count is more than the maximum)",
                next: undefined,
            },
        ]);
    });

    it("counts a warning about a pod from before it became ready as past, and any later one, or the workload's, as current", () => {
        const readyAt = "2026-12-06T12:00:10Z";
        const started = pod("router-7d9f8-abcde", {
            conditions: [{ type: "Ready", status: "True", lastTransitionTime: readyAt as never }],
        });
        const warning = (object: string, at: string) => ({
            at,
            type: "Warning",
            reason: "FailedMount",
            object,
            message: "timed out",
            count: 1,
        });
        const facts = (events: ServiceFacts["events"]) => healthyFacts({ pods: [podFacts(started, new Set())], events });

        const before = findingsOf(facts([warning("pod/router-7d9f8-abcde", "2026-12-06T12:00:02Z")]), []);
        expect(before).toEqual([{ severity: "NOTE", what: "1 warning event(s) from before the pods became ready", next: undefined }]);
        expect(diagnosisStatus(before)).toBe("HEALTHY");

        const after = findingsOf(facts([warning("pod/router-7d9f8-abcde", "2026-12-06T12:05:00Z")]), []);
        expect(after.map((f) => [f.severity, f.what])).toEqual([["DEGRADED", "1 warning event(s), newest: FailedMount: timed out"]]);
        const workload = findingsOf(facts([warning("deployment/router", "2026-12-06T12:00:02Z")]), []);
        expect(workload.map((f) => f.severity)).toEqual(["DEGRADED"]);
    });

    it("says what was not checked, without calling it a problem: simulated pods, DNS, usage", () => {
        const simulated = [podFacts(pod("router-1", {}, "kwok-node-a"), new Set(["kwok-node-a"]))];
        const findings = findingsOf(
            healthyFacts({
                pods: simulated,
                dns: { name: "router", addresses: [], expected: ["10.96.0.20"], notChecked: "cluster DNS not reached: x" },
                usageNotes: ["node kwok-node-a is simulated: no kubelet measures its pods"],
            }),
            [],
        );
        expect(findings.every((f) => f.severity === "NOTE")).toBe(true);
        expect(findings).toHaveLength(3);
        expect(diagnosisStatus(findings)).toBe("HEALTHY");
    });
});

describe("events of a service", () => {
    const event = (kind: string, name: string, minutesAgo: number, reason = "BackOff") =>
        ({
            involvedObject: { kind, name },
            type: "Warning",
            reason,
            message: `${reason} of ${name}`,
            count: 2,
            lastTimestamp: new Date(Date.parse("2026-12-02T12:00:00Z") - minutesAgo * 60_000),
        }) as unknown as CoreEvent;

    it("keeps those of the Service, its workload, its ReplicaSets and pods (also replaced ones) and its autoscaler, newest first", () => {
        const events = [
            event("Pod", "router-7d9f8c6b5-abcde", 5),
            event("Pod", "router-7d9f8c6b5-zzzzz", 10, "Killing"),
            event("ReplicaSet", "router-7d9f8c6b5", 3, "SuccessfulCreate"),
            event("Deployment", "router", 2, "ScalingReplicaSet"),
            event("HorizontalPodAutoscaler", "router", 1, "SuccessfulRescale"),
            event("Pod", "router-canary-7d9f8c6b5-abcde", 1),
            event("Pod", "gateway-7d9f8c6b5-abcde", 1),
            event("Pod", "router-7d9f8c6b5-old00", 120),
        ];
        const related = relatedEvents(
            events,
            "router",
            "router",
            [pod("router-7d9f8c6b5-abcde")],
            "router",
            3600,
            Date.parse("2026-12-02T12:00:00Z"),
        );
        expect(related.map((e) => `${e.object} ${e.reason}`)).toEqual([
            "horizontalpodautoscaler/router SuccessfulRescale",
            "deployment/router ScalingReplicaSet",
            "replicaset/router-7d9f8c6b5 SuccessfulCreate",
            "pod/router-7d9f8c6b5-abcde BackOff",
            "pod/router-7d9f8c6b5-zzzzz Killing",
        ]);
    });
});

describe("ops changes touching a service", () => {
    const entry = (version: number, message: string, config: Record<string, string>, result = "succeeded"): HistoryEntry => ({
        version,
        result,
        message,
        startTime: new Date(Date.UTC(2026, 11, 2, 10, version)).toISOString(),
        kind: "update",
        config: Object.fromEntries(Object.entries(config).map(([k, v]) => [k, { value: v }])),
    });
    const services = (routerReplicas: number, gatewayReplicas: number) =>
        JSON.stringify({ router: { replicas: routerReplicas }, gateway: { replicas: gatewayReplicas } });

    it("lists the updates that changed its config, its secrets or what every service is subject to, newest first", () => {
        const history = [
            entry(1, "deploy", { "mcp:services": services(1, 1) }),
            entry(2, "mcp-ops scale: router 2 | reason: load | actor: ana", { "mcp:services": services(2, 1) }),
            entry(3, "mcp-ops scale: gateway 3 | reason: load | actor: ana", { "mcp:services": services(2, 3) }),
            entry(4, "mcp-ops lockdown: on | reason: breach | actor: bo", {
                "mcp:services": services(2, 3),
                "mcp:security": JSON.stringify({ lockdown: true }),
            }),
            entry(5, "mcp-ops rotate: redis-password | reason: schedule | actor: ci", {
                "mcp:services": services(2, 3),
                "mcp:security": JSON.stringify({ lockdown: true }),
                "mcp:secrets": JSON.stringify({ "redis-password": { generation: 2 } }),
            }),
        ];
        const changes = changesTouching("router", ["redis-password"], history);
        expect(changes.map((c) => [c.version, c.operation, c.actor, c.paths])).toEqual([
            [5, "rotate", "ci", ["secrets.redis-password.generation"]],
            [4, "lockdown", "bo", ["security.lockdown"]],
            [2, "scale", "ana", ["services.router.replicas"]],
        ]);
        expect(changesTouching("router", [], history).map((c) => c.version)).toEqual([4, 2]);
    });
});

describe("secrets in what diagnose shows", () => {
    it("are masked in plain and base64 form, the longest value first; short strings are left alone", () => {
        const mask = secretMasker(["s3cr3t-token-value", "s3cr3t-token-value-longer", "abc"]);
        const b64 = Buffer.from("s3cr3t-token-value").toString("base64");
        expect(mask(`token=s3cr3t-token-value-longer then s3cr3t-token-value and ${b64}; abc stays`)).toBe(
            "token=[secret] then [secret] and [secret]; abc stays",
        );
    });
});
