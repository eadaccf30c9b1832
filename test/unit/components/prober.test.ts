import { describe, expect, it } from "vitest";
import { Prober } from "../../../components/prober";
import { PROBER_METRICS_PORT } from "../../../components/traffic";
import type { ProbeConfig } from "../../../config/probeTargets";
import { MCP_OPS_IMAGE } from "../../../config/images";
import { declareComponent, noTraffic, secretRef } from "../../support/component";
import { K8S } from "../../support/platform";

const probe: ProbeConfig = {
    servers: [
        {
            name: "memory",
            restUrl: "http://memory:3000/health",
            mcpUrl: "http://memory:3000/mcp",
            expectedTools: ["read_graph"],
            tokenEnv: "MCP_PROBE_TOKEN_MEMORY",
        },
    ],
    intervalSeconds: 30,
    timeoutMs: 5000,
    slowMs: 2000,
    concurrency: 4,
};
const args = {
    namespace: "ns",
    image: MCP_OPS_IMAGE,
    probe,
    tokens: { MCP_PROBE_TOKEN_MEMORY: secretRef("memory-probe-token") },
    traffic: noTraffic,
};

describe("Prober", () => {
    it("runs mcp-ops health --serve on the targets of its ConfigMap, with tokens by reference", async () => {
        const d = await declareComponent(() => new Prober("prober", args));
        expect(JSON.parse(d.one(K8S.configMap).inputs.data["targets.json"])).toEqual(probe);
        const pod = d.one(K8S.deployment).inputs.spec.template;
        const container = pod.spec.containers[0];
        expect([...container.command, ...container.args]).toEqual([
            "mcp-ops",
            "health",
            "--serve",
            `0.0.0.0:${PROBER_METRICS_PORT}`,
            "--targets",
            "/etc/mcp-prober/targets.json",
        ]);
        expect(container.env).toEqual([
            { name: "MCP_PROBE_TOKEN_MEMORY", valueFrom: { secretKeyRef: { name: "memory-probe-token", key: "value" } } },
        ]);
        expect(pod.metadata.labels["mcp.platform/trusted"]).toBe("true");
        expect(pod.spec.automountServiceAccountToken).toBe(false);
        expect(d.one(K8S.serviceAccount).inputs.automountServiceAccountToken).toBe(false);
    });

    it("rolls when its targets change", async () => {
        const annotation = async (p: ProbeConfig) =>
            (await declareComponent(() => new Prober("prober", { ...args, probe: p }))).one(K8S.deployment).inputs.spec.template.metadata
                .annotations["mcp.platform/config-checksum"];
        expect(await annotation(probe)).not.toBe(
            await annotation({ ...probe, servers: [{ ...probe.servers[0], expectedTools: ["read_graph", "search_nodes"] }] }),
        );
    });

    it("gives its first round of checks time to finish, however many servers it checks", async () => {
        const startup = async (servers: number) => {
            const many = { ...probe, servers: Array.from({ length: servers }, (_, i) => ({ ...probe.servers[0], name: `s${i}` })) };
            const container = (await declareComponent(() => new Prober("prober", { ...args, probe: many }))).one(K8S.deployment).inputs.spec
                .template.spec.containers[0];
            return container.startupProbe.periodSeconds * container.startupProbe.failureThreshold;
        };
        // A round where every server times out: servers / 4 at a time × 5 s.
        expect(await startup(1)).toBe(120);
        expect(await startup(48)).toBe(120);
        expect(await startup(200)).toBeGreaterThanOrEqual((200 / 4) * 5 + 60);
        expect(await startup(200)).toBeLessThan((200 / 4) * 5 + 70);
    });

    it("is scraped through its own Service and ServiceMonitor, at its probing interval", async () => {
        const d = await declareComponent(() => new Prober("prober", args));
        expect(d.one(K8S.service).inputs.spec.ports).toEqual([
            { name: "metrics", port: PROBER_METRICS_PORT, targetPort: "metrics", protocol: "TCP" },
        ]);
        expect(d.one("kubernetes:monitoring.coreos.com/v1:ServiceMonitor").inputs.spec.endpoints).toEqual([
            { port: "metrics", interval: "30s", path: "/metrics" },
        ]);
    });
});
