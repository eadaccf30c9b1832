import { describe, expect, it } from "vitest";
import { configProblems, deploy, editedConfig, podTemplates, stackConfig } from "../support/platform";

const pool = {
    nodeSelector: { "example.com/pool": "mcp" },
    tolerations: [{ key: "example.com/pool", value: "mcp", effect: "NoSchedule" }],
};
const monitoringPool = { nodeSelector: { "node-role": "monitoring" }, tolerations: [{ operator: "Exists" }] };

describe("workload placement", () => {
    it("puts each workload's pods where its config says, and leaves the others to the scheduler", async () => {
        const config = editedConfig("staging", (raw) => {
            raw.services.router.placement = pool;
            raw.redis = { ...raw.redis, placement: pool };
            raw.postgres = { ...raw.postgres, placement: pool };
            raw.backups = { ...raw.backups, placement: pool };
            raw.monitoring = { ...raw.monitoring, placement: monitoringPool };
        });
        const templates = Object.fromEntries(podTemplates(await deploy(config)).map((t) => [t.workload, t.spec]));
        const expected = { nodeSelector: pool.nodeSelector, tolerations: [{ ...pool.tolerations[0], operator: "Equal" }] };
        for (const workload of ["router-deployment", "redis-statefulset", "postgres-statefulset", "backups-redis", "backups-postgres"]) {
            expect(templates[workload], workload).toMatchObject(expected);
        }
        for (const workload of ["prober-deployment", "postgres-exporter-deployment", "redis-exporter-deployment"]) {
            expect(templates[workload], workload).toMatchObject({
                nodeSelector: monitoringPool.nodeSelector,
                tolerations: [{ operator: "Exists" }],
            });
        }
        expect(templates["gateway-deployment"].nodeSelector).toBeUndefined();
        expect(templates["gateway-deployment"].tolerations).toBeUndefined();
    });

    it("declares no placement on any stack that names none", async () => {
        for (const { workload, spec } of podTemplates(await deploy(stackConfig("production")))) {
            expect([spec.nodeSelector, spec.tolerations], workload).toEqual([undefined, undefined]);
        }
    });

    it("refuses what the API server would refuse in a toleration or a node selector, naming the key and the fix", () => {
        const problems = (placement: unknown) =>
            configProblems({
                environment: "staging",
                services: {
                    gateway: { image: "mcpplatform/gateway:1.4.2", port: 8080, placement },
                    router: { image: "mcpplatform/router:1.4.2", port: 9091 },
                },
                tls: { dnsNames: ["mcp.example.com"] },
            });
        expect(problems({ tolerations: [{ key: "pool", operator: "Exists", value: "x" }] })).toEqual([
            'mcp:services.gateway.placement.tolerations[0].value must be empty when operator is "Exists"; remove it',
        ]);
        expect(problems({ tolerations: [{ value: "x" }] })).toEqual([
            'mcp:services.gateway.placement.tolerations[0].operator must be "Exists" when key is empty (that tolerates every taint)',
        ]);
        expect(problems({ tolerations: [{ key: "pool", effect: "NoSchedule", tolerationSeconds: 30 }] })).toEqual([
            "mcp:services.gateway.placement.tolerations[0].tolerationSeconds " +
                'applies only with effect "NoExecute"; remove it or set that effect',
        ]);
        expect(problems({ nodeSelector: { "-pool": "a" } })).toEqual([
            'mcp:services.gateway.placement.nodeSelector.-pool is not a label key; use one such as "node-pool" or "example.com/pool"',
        ]);
        expect(problems({ nodeSelector: { pool: "a b" } })[0]).toMatch(
            /^mcp:services\.gateway\.placement\.nodeSelector\.pool must be a label value/,
        );
        expect(
            problems({
                nodeSelector: { pool: "a" },
                tolerations: [{ key: "pool", operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 }],
            }),
        ).toEqual([]);
    });

    it("refuses a placement for an external store, which has no pod", () => {
        const problems = configProblems({
            environment: "staging",
            services: {
                gateway: { image: "mcpplatform/gateway:1.4.2", port: 8080, calls: ["redis"] },
                router: { image: "mcpplatform/router:1.4.2", port: 9091 },
            },
            redis: { mode: "external", external: { host: "cache.example.com", port: 6380 }, placement: pool },
            tls: { dnsNames: ["mcp.example.com"] },
        });
        expect(problems).toContain('mcp:redis.placement only applies to an in-cluster redis, and redis.mode is "external"; remove it');
    });
});
