import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { TRUSTED_LABEL } from "../../components/labels";
import { deploy, editedConfig, K8S, stackConfig } from "../support/platform";

const policyNamed = (d: Awaited<ReturnType<typeof deploy>>, name: string) =>
    d.ofType(K8S.networkPolicy).find((p) => p.inputs.metadata.name === name)!;

/** Names of the services whose pods a rule's peers select. */
const selectedNames = (peers: any[]) =>
    peers
        .map((p) => p.podSelector?.matchLabels?.["app.kubernetes.io/name"])
        .filter(Boolean)
        .sort();

describe("network baseline", () => {
    it("labels the namespace for Pod Security Admission restricted", async () => {
        const d = await deploy(stackConfig("local"));
        const [ns] = d.ofType(K8S.namespace);
        expect(ns.inputs.metadata.labels).toMatchObject({
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
        });
    });

    it("denies all ingress and egress by default and allows DNS only to kube-dns", async () => {
        const d = await deploy(stackConfig("local"));
        expect(policyNamed(d, "default-deny").inputs.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        const dns = policyNamed(d, "allow-dns-egress").inputs.spec;
        expect(dns.policyTypes).toEqual(["Egress"]);
        expect(dns.egress[0].ports).toEqual([
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
        ]);
        expect(dns.egress[0].to[0].podSelector.matchLabels).toEqual({ "k8s-app": "kube-dns" });
    });

    it("selects every workload's pods with a policy of its own", async () => {
        const d = await deploy(stackConfig("staging"));
        const selected = new Set(
            d
                .ofType(K8S.networkPolicy)
                .map((p) => p.inputs.spec.podSelector.matchLabels?.["app.kubernetes.io/name"])
                .filter(Boolean),
        );
        const workloads = [...d.ofType(K8S.deployment), ...d.ofType(K8S.statefulSet)].map((r) => r.inputs.metadata.name);
        for (const workload of [...workloads, "backup"]) expect(selected.has(workload), workload).toBe(true);
    });
});

describe("service policies", () => {
    it("admit only the declared callers (and, to an MCP server, the prober), on the service port", async () => {
        const d = await deploy(stackConfig("local"));
        // router calls mcp-filesystem and mcp-memory; gateway calls router.
        const filesystem = policyNamed(d, "mcp-filesystem").inputs.spec;
        expect(filesystem.ingress).toEqual([
            { from: [expect.anything()], ports: [{ protocol: "TCP", port: 3000 }] },
            { from: [expect.anything()], ports: [{ protocol: "TCP", port: 3000 }] },
        ]);
        expect(filesystem.ingress.map((rule: any) => selectedNames(rule.from))).toEqual([["router"], ["mcp-prober"]]);
        const router = policyNamed(d, "router").inputs.spec;
        expect(selectedNames(router.ingress[0].from)).toEqual(["gateway"]);
        expect(router.ingress[0].ports).toEqual([{ protocol: "TCP", port: 9091 }]);
    });

    it("allow egress only to what the service declares it calls", async () => {
        const d = await deploy(stackConfig("local"));
        const router = policyNamed(d, "router").inputs.spec;
        expect(router.egress.map((rule: any) => [selectedNames(rule.to)[0], rule.ports[0].port])).toEqual([
            ["mcp-filesystem", 3000],
            ["mcp-memory", 3000],
            ["redis", 6379],
        ]);
        const filesystem = policyNamed(d, "mcp-filesystem").inputs.spec;
        expect(filesystem.egress).toEqual([]);
    });

    it("let stores be reached by their callers, their credentials Job, the backup jobs and their exporter", async () => {
        const d = await deploy(stackConfig("local"));
        expect(selectedNames(policyNamed(d, "postgres").inputs.spec.ingress[0].from)).toEqual([
            "backup",
            "mcp-memory",
            "postgres-credentials",
            "postgres-exporter",
        ]);
        expect(selectedNames(policyNamed(d, "redis").inputs.spec.ingress[0].from)).toEqual([
            "backup",
            "gateway",
            "redis-credentials",
            "redis-exporter",
            "router",
        ]);
        expect(policyNamed(d, "postgres-credentials").inputs.spec).toMatchObject({
            ingress: [],
            egress: [{ ports: [{ protocol: "TCP", port: 5432 }] }],
        });
    });

    it("open the gateway to the configured ingress namespaces and Prometheus to metrics ports", async () => {
        const d = await deploy(stackConfig("staging"));
        const gateway = policyNamed(d, "gateway").inputs.spec;
        const namespaces = gateway.ingress
            .flatMap((rule: any) => rule.from.map((p: any) => p.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"]))
            .filter(Boolean);
        expect(namespaces.sort()).toEqual(["ingress-nginx", "monitoring"]);
        const metricsRule = gateway.ingress.find((rule: any) => rule.ports[0].port === 9090);
        expect(metricsRule.from).toEqual([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }]);
    });
});

describe("emergency lockdown", () => {
    it("adds a trusted-only policy and drops every other ingress rule while on", async () => {
        const d = await deploy(editedConfig("local", (r) => (r.security = { lockdown: true, trustedCidrs: ["10.20.0.0/16"] })));
        const lockdown = policyNamed(d, "emergency-lockdown").inputs.spec;
        expect(lockdown).toEqual({
            podSelector: {},
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ podSelector: { matchLabels: { [TRUSTED_LABEL]: "true" } } }, { ipBlock: { cidr: "10.20.0.0/16" } }] }],
        });
        const others = d.ofType(K8S.networkPolicy).filter((p) => p.inputs.metadata.name !== "emergency-lockdown");
        for (const policy of others) expect(policy.inputs.spec.ingress ?? [], policy.name).toEqual([]);
    });

    it("keeps each store's credentials Job trusted, reaching its own store only, so a rotation still applies", async () => {
        const d = await deploy(editedConfig("local", (r) => (r.security = { lockdown: true, trustedCidrs: [] })));
        for (const store of ["redis", "postgres"]) {
            const job = d
                .ofType(K8S.job)
                .find((j) => j.inputs.spec.template.metadata.labels["app.kubernetes.io/name"] === `${store}-credentials`)!;
            expect(job.inputs.spec.template.metadata.labels[TRUSTED_LABEL], store).toBe("true");
            const egress = policyNamed(d, `${store}-credentials`).inputs.spec.egress;
            expect(
                egress.flatMap((rule: any) => selectedNames(rule.to)),
                store,
            ).toEqual([store]);
        }
    });

    it("removes the policy and restores ingress when switched off", async () => {
        const d = await deploy(stackConfig("local"));
        expect(policyNamed(d, "emergency-lockdown")).toBeUndefined();
        expect(policyNamed(d, "router").inputs.spec.ingress.length).toBeGreaterThan(0);
    });
});

describe("the prober's traffic", () => {
    it("reaches each service's port (MCP servers, gateway, router) and nothing else, and only Prometheus reaches its metrics", async () => {
        const d = await deploy(stackConfig("local"));
        const prober = policyNamed(d, "mcp-prober").inputs.spec;
        expect(prober.egress.map((rule: any) => [selectedNames(rule.to)[0], rule.ports])).toEqual([
            ["gateway", [{ protocol: "TCP", port: 8080 }]],
            ["router", [{ protocol: "TCP", port: 9091 }]],
            ["mcp-filesystem", [{ protocol: "TCP", port: 3000 }]],
            ["mcp-memory", [{ protocol: "TCP", port: 3000 }]],
        ]);
        // Each of them admits the prober on that port, the gateway and router included (their /health).
        for (const [service, port] of [
            ["gateway", 8080],
            ["router", 9091],
        ] as const) {
            const ingress = policyNamed(d, service).inputs.spec.ingress;
            const fromProber = ingress.filter((rule: any) => selectedNames(rule.from).includes("mcp-prober"));
            expect(
                fromProber.map((rule: any) => rule.ports),
                service,
            ).toEqual([[{ protocol: "TCP", port }]]);
        }
        expect(prober.ingress).toEqual([
            {
                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
                ports: [{ protocol: "TCP", port: 9102 }],
            },
        ]);
    });

    it("presents a server's probe token from the platform secret the config names", async () => {
        const d = await deploy(
            editedConfig("local", (r) => {
                r.secrets = { ...r.secrets, "memory-probe-token": {} };
                r.services["mcp-memory"].probeTokenSecret = "memory-probe-token";
            }),
        );
        const container = d.named(K8S.deployment, "prober-deployment").inputs.spec.template.spec.containers[0];
        expect(container.env).toEqual([
            { name: "MCP_PROBE_TOKEN_MCP_MEMORY", valueFrom: { secretKeyRef: { name: "memory-probe-token", key: "value" } } },
        ]);
    });
});

describe("postgres_exporter's traffic", () => {
    it("reaches PostgreSQL's port and nothing else, and only Prometheus reaches its metrics", async () => {
        const d = await deploy(stackConfig("local"));
        const exporter = policyNamed(d, "postgres-exporter").inputs.spec;
        expect(exporter.podSelector.matchLabels["app.kubernetes.io/name"]).toBe("postgres-exporter");
        expect(exporter.egress.map((rule: any) => [selectedNames(rule.to)[0], rule.ports])).toEqual([
            ["postgres", [{ protocol: "TCP", port: 5432 }]],
        ]);
        expect(exporter.ingress).toEqual([
            {
                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
                ports: [{ protocol: "TCP", port: 9187 }],
            },
        ]);
    });

    it("reaches an external PostgreSQL by its port, and is not admitted where monitoring is off", async () => {
        const external = await deploy(
            editedConfig("local", (r) => (r.postgres = { mode: "external", external: { host: "db.example.internal", port: 6432 } })),
            { postgresPassword: pulumi.output("external-password") },
        );
        expect(policyNamed(external, "postgres-exporter").inputs.spec.egress).toEqual([
            { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 6432 }] },
        ]);
        const off = await deploy(editedConfig("local", (r) => (r.monitoring = { enabled: false })));
        expect(selectedNames(policyNamed(off, "postgres").inputs.spec.ingress[0].from)).toEqual([
            "backup",
            "mcp-memory",
            "postgres-credentials",
        ]);
    });
});

describe("redis_exporter's traffic", () => {
    it("reaches Redis's port and nothing else, and only Prometheus reaches its metrics", async () => {
        const d = await deploy(stackConfig("local"));
        const exporter = policyNamed(d, "redis-exporter").inputs.spec;
        expect(exporter.podSelector.matchLabels["app.kubernetes.io/name"]).toBe("redis-exporter");
        expect(exporter.egress.map((rule: any) => [selectedNames(rule.to)[0], rule.ports])).toEqual([
            ["redis", [{ protocol: "TCP", port: 6379 }]],
        ]);
        expect(exporter.ingress).toEqual([
            {
                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
                ports: [{ protocol: "TCP", port: 9121 }],
            },
        ]);
    });

    it("reaches an external Redis by its port, and is not admitted where monitoring is off", async () => {
        const external = await deploy(
            editedConfig("local", (r) => (r.redis = { mode: "external", external: { host: "cache.example.internal", port: 6380 } })),
            { redisPassword: pulumi.output("external-password") },
        );
        expect(policyNamed(external, "redis-exporter").inputs.spec.egress).toEqual([
            { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 6380 }] },
        ]);
        const off = await deploy(editedConfig("local", (r) => (r.monitoring = { enabled: false })));
        expect(policyNamed(off, "redis-exporter")).toBeUndefined();
        expect(selectedNames(policyNamed(off, "redis").inputs.spec.ingress[0].from)).toEqual([
            "backup",
            "gateway",
            "redis-credentials",
            "router",
        ]);
    });

    it("is trusted during a lockdown, so Redis is still measured, while its own ingress rules are dropped", async () => {
        const d = await deploy(editedConfig("local", (r) => (r.security = { lockdown: true, trustedCidrs: [] })));
        const pod = d.named(K8S.deployment, "redis-exporter-deployment").inputs.spec.template;
        expect(pod.metadata.labels[TRUSTED_LABEL]).toBe("true");
        expect(policyNamed(d, "redis-exporter").inputs.spec.ingress).toEqual([]);
        expect(policyNamed(d, "redis-exporter").inputs.spec.egress).toHaveLength(1);
    });
});
