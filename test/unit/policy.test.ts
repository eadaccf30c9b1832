import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { RESOURCE_POLICIES, STACK_POLICIES } from "../../policy/policies";
import type { Registered } from "../support/mocks";
import { deploy, K8S, stackConfig } from "../support/platform";

/** A policy's validate function as the policy SDK calls it. */
type PolicyCall = (args: unknown, report: (message: string) => void) => Promise<void> | void;

const urnOf = (r: { type: string; name: string }) => `urn:pulumi:test::mcp-platform::${r.type}::${r.name}`;

function asPolicyResource(r: Registered): PolicyResource {
    return { type: r.type, name: r.name, urn: urnOf(r), props: { ...r.state, id: r.id } } as unknown as PolicyResource;
}

/** Every violation the pack reports for a set of resources: "policy: message". */
async function violations(resources: Registered[], only?: string): Promise<string[]> {
    const found: string[] = [];
    for (const policy of RESOURCE_POLICIES.filter((p) => !only || p.name === only)) {
        for (const r of resources) {
            const args = {
                type: r.type,
                name: r.name,
                urn: urnOf(r),
                props: r.inputs,
                opts: {},
                stackTags: new Map(),
            } as unknown as ResourceValidationArgs;
            await (policy.validateResource as PolicyCall)(args, (message: string) => found.push(`${policy.name}: ${message}`));
        }
    }
    for (const policy of STACK_POLICIES.filter((p) => !only || p.name === only)) {
        const args = { resources: resources.map(asPolicyResource), stackTags: new Map() } as unknown as StackValidationArgs;
        await (policy.validateStack as PolicyCall)(args, (message: string) => found.push(`${policy.name}: ${message}`));
    }
    return found;
}

const resource = (type: string, name: string, inputs: Record<string, any>): Registered => ({
    type,
    name,
    inputs,
    id: `${name}-id`,
    state: inputs,
});

const goodContainer = {
    name: "app",
    image: "example/app:1.0.0",
    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
    readinessProbe: { httpGet: { path: "/ready", port: 80 } },
    livenessProbe: { httpGet: { path: "/health", port: 80 } },
    securityContext: {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    },
};

function deployment(
    name: string,
    edit: (spec: any, container: any) => void = () => undefined,
    replicas: number | undefined = 1,
): Registered {
    const container = structuredClone(goodContainer);
    const spec: any = {
        replicas,
        strategy: { rollingUpdate: { maxUnavailable: 0 } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [container], topologySpreadConstraints: [{}] } },
    };
    edit(spec, container);
    return resource(K8S.deployment, name, { metadata: { name }, spec });
}

const netpolFor = (app: string) =>
    resource(K8S.networkPolicy, `${app}-netpol`, {
        metadata: { name: app },
        spec: { podSelector: { matchLabels: { app } }, policyTypes: ["Ingress", "Egress"] },
    });
const defaultDeny = resource(K8S.networkPolicy, "deny", {
    metadata: { name: "default-deny" },
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
});

describe("the policy pack", () => {
    it.each(["local", "staging", "production"])("passes every mandatory and advisory policy on the %s stack", async (stack) => {
        const d = await deploy(stackConfig(stack));
        expect(await violations(d.resources)).toEqual([]);
    });

    const cases: Array<[string, Registered[], string]> = [
        [
            "pod-security-restricted",
            [deployment("a", (_, c) => (c.securityContext.allowPrivilegeEscalation = true))],
            "a/app: set securityContext.allowPrivilegeEscalation: false",
        ],
        [
            "pod-security-restricted",
            [deployment("a", (_, c) => delete c.securityContext.runAsNonRoot)],
            "a/app: set securityContext.runAsNonRoot: true",
        ],
        [
            "pod-security-restricted",
            [deployment("a", (_, c) => (c.securityContext.capabilities = { drop: ["NET_RAW"] }))],
            "a/app: drop all capabilities (securityContext.capabilities.drop: [ALL])",
        ],
        [
            "pod-security-restricted",
            [deployment("a", (_, c) => delete c.securityContext.seccompProfile)],
            "a/app: set seccompProfile.type: RuntimeDefault",
        ],
        [
            "pod-security-restricted",
            [deployment("a", (_, c) => (c.securityContext.readOnlyRootFilesystem = false))],
            "a/app: set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where it writes",
        ],
        [
            "pod-security-restricted",
            [deployment("a", (s) => (s.template.spec.hostNetwork = true))],
            "a: spec.hostNetwork must be false; the pod would share the node's namespaces",
        ],
        [
            "pod-security-restricted",
            [deployment("a", (s) => (s.template.spec.volumes = [{ name: "host", hostPath: { path: "/" } }]))],
            'a: volume "host" uses hostPath; use an emptyDir or a PersistentVolumeClaim',
        ],
        ["container-resources", [deployment("a", (_, c) => delete c.resources.limits.memory)], "a/app: set resources.limits.memory"],
        ["container-probes", [deployment("a", (_, c) => delete c.readinessProbe)], "a/app: add a readinessProbe"],
        [
            "pinned-images",
            [deployment("a", (_, c) => (c.image = "example/app:latest"))],
            'a/app: image "example/app:latest" is not pinned; use a version tag or a digest',
        ],
        [
            "pinned-images",
            [deployment("a", (_, c) => (c.image = "example/app"))],
            'a/app: image "example/app" is not pinned; use a version tag or a digest',
        ],
        [
            "no-literal-secret-env",
            [deployment("a", (_, c) => (c.env = [{ name: "DB_PASSWORD", value: "hunter2" }]))],
            "a/app: env DB_PASSWORD holds a literal value; use valueFrom.secretKeyRef",
        ],
        [
            "cronjob-forbid-and-deadlines",
            [
                resource(K8S.cronJob, "job", {
                    spec: { concurrencyPolicy: "Allow", jobTemplate: { spec: { template: { spec: { containers: [] } } } } },
                }),
            ],
            "job: set spec.concurrencyPolicy: Forbid",
        ],
        [
            "iam-no-wildcard-data-access",
            [
                resource("aws:iam/rolePolicy:RolePolicy", "p", {
                    policy: JSON.stringify({ Statement: [{ Sid: "All", Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" }] }),
                }),
            ],
            'p: statement All allows s3:GetObject on "*"; name the bucket or table',
        ],
        [
            "hpa-owns-replicas",
            [deployment("a", undefined, 3), resource(K8S.hpa, "h", { spec: { scaleTargetRef: { name: "a" }, minReplicas: 1 } })],
            "a: an HPA scales this Deployment; remove spec.replicas",
        ],
        [
            "pdb-where-replicated",
            [deployment("a", undefined, 3)],
            "a: runs 3 replicas but no PodDisruptionBudget selects its pods; add one with maxUnavailable: 1",
        ],
        [
            "network-policy-coverage",
            [deployment("a"), netpolFor("a")],
            "no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules) in the stack",
        ],
        [
            "network-policy-coverage",
            [deployment("a"), deployment("b"), netpolFor("a"), defaultDeny],
            "b: no NetworkPolicy selects its pods; declare which traffic it needs",
        ],
        ["s3-buckets-protected", [resource("aws:s3/bucket:Bucket", "bucket", {})], "bucket: enable versioning (aws.s3.BucketVersioning)"],
        ["surge-only-rollouts", [deployment("a", (s) => (s.strategy = {}))], "a: consider strategy.rollingUpdate.maxUnavailable: 0"],
        [
            "topology-spread",
            [deployment("a", (s) => delete s.template.spec.topologySpreadConstraints, 3)],
            "a: add topologySpreadConstraints so replicas do not share a node",
        ],
    ];

    it.each(cases)("%s fires on a resource that breaks it", async (policy, resources, message) => {
        expect(await violations(resources, policy)).toContain(`${policy}: ${message}`);
    });

    it("shows every policy firing at least once above", () => {
        const names = [...RESOURCE_POLICIES, ...STACK_POLICIES].map((p) => p.name);
        expect(new Set(cases.map(([p]) => p))).toEqual(new Set(names));
    });

    it("stays quiet on a well-formed workload", async () => {
        expect(await violations([deployment("a"), netpolFor("a"), defaultDeny])).toEqual([]);
    });
});
