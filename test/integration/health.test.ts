import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHealth, type HealthTarget } from "../../ops/health/health";
import { startMcpServer, type TestMcpServer } from "../support/mcpServer";
import { freePort } from "../support/ports";
import { startComponentServer } from "../support/componentServer";
import { startPostgresServer } from "../support/postgresServer";
import { connectPostgres } from "../../ops/postgres/connect";

const EXPECTED = ["read_file", "list_directory", "search_files"];

describe("MCP-aware health against real MCP servers", () => {
    const servers: TestMcpServer[] = [];
    const targets: HealthTarget[] = [];
    const target = (name: string, url: string, expectedTools = EXPECTED) =>
        targets.push({ name, restUrl: `${url}/health`, mcpUrl: `${url}/mcp`, expectedTools });

    beforeAll(async () => {
        const start = async (name: string, options: Parameters<typeof startMcpServer>[0]) => {
            const server = await startMcpServer(options);
            servers.push(server);
            target(name, server.url);
        };
        await start("healthy", { tools: [...EXPECTED, "extra_tool"] });
        await start("missing-tool", { tools: ["read_file", "list_directory"] });
        await start("rest-failing", { tools: EXPECTED, restHealthy: false });
        // Far slower than the bound below, which is far above a loaded machine's answer time: the verdicts do not depend on load.
        await start("slow", { tools: EXPECTED, delayMs: 1500 });
        target("down", `http://127.0.0.1:${await freePort()}`);
    });
    afterAll(async () => Promise.all(servers.map((s) => s.stop())));

    it("gives each server the status its behaviour deserves, and the worst one overall", async () => {
        const report = await checkHealth(targets, { timeoutMs: 12_000, slowMs: 1200 });
        const byName = Object.fromEntries(report.services.map((s) => [s.name, s]));
        expect(Object.fromEntries(report.services.map((s) => [s.name, s.status]))).toEqual({
            healthy: "HEALTHY",
            "missing-tool": "DEGRADED",
            "rest-failing": "DEGRADED",
            slow: "DEGRADED",
            down: "UNHEALTHY",
        });
        expect(report.status).toBe("UNHEALTHY");

        expect(byName.healthy.mcp.tools).toEqual([...EXPECTED, "extra_tool"]);
        expect(byName.healthy.unexpectedTools).toEqual(["extra_tool"]);
        expect(byName["missing-tool"].missingTools).toEqual(["search_files"]);
        expect(byName["missing-tool"].reasons).toEqual(["expected tools missing: search_files"]);
        expect(byName["rest-failing"].reasons).toEqual(["REST health failed: HTTP 503"]);
        expect(byName["rest-failing"].mcp.ok).toBe(true);
        expect(byName.slow.reasons.join()).toMatch(/REST check slow: \d+ ms > 1200 ms/);
        expect(byName.down.reasons).toHaveLength(2);
        for (const s of report.services) {
            expect(s.rest.latencyMs).toBeGreaterThan(0);
            expect(s.mcp.latencyMs).toBeGreaterThan(0);
        }
    });

    it("bounds every check by its timeout", async () => {
        const slowOnly = targets.filter((t) => t.name === "slow");
        const report = await checkHealth([...slowOnly, ...slowOnly], { timeoutMs: 150, slowMs: 100 });
        for (const s of report.services) {
            expect(s.status).toBe("UNHEALTHY");
            expect(s.rest.error).toBe("timed out");
            expect(s.mcp.error).toBe("timed out");
        }
    });
});

describe("health of the platform's other components: the gateway and router, and PostgreSQL", () => {
    const stops: Array<() => Promise<void>> = [];
    afterAll(async () => Promise.all(stops.map((stop) => stop())));
    const component = async (name: string, options: Parameters<typeof startComponentServer>[0], withMetrics = true) => {
        const server = await startComponentServer(options);
        stops.push(server.stop);
        return {
            name,
            healthUrl: `${server.url}/health`,
            hasMetrics: withMetrics,
            ...(withMetrics ? { metricsUrl: `${server.url}/metrics` } : {}),
        };
    };

    it("checks /health and /metrics of each component and degrades a blind metrics endpoint", async () => {
        const components = [
            await component("gateway", { metrics: "samples" }),
            await component("router", { metrics: "empty" }),
            await component("search", { metrics: "missing" }),
            await component("billing", { healthy: false }),
            { name: "no-metrics-address", healthUrl: (await component("x", {}, false)).healthUrl, hasMetrics: true },
        ];
        const report = await checkHealth([], { timeoutMs: 3000, slowMs: 1000, components });
        const byName = Object.fromEntries(report.components!.map((c) => [c.name, c]));
        expect(byName.gateway).toMatchObject({ status: "HEALTHY", rest: { ok: true }, metrics: { ok: true, samples: 2 }, reasons: [] });
        expect(byName.router).toMatchObject({ status: "DEGRADED", metrics: { ok: false, samples: 0 } });
        expect(byName.router.reasons).toEqual(["metrics: answered, but with no metric samples"]);
        expect(byName.search.reasons).toEqual(["metrics: HTTP 404"]);
        expect(byName.billing).toMatchObject({ status: "UNHEALTHY", reasons: ["REST health failed: HTTP 503"] });
        expect(byName["no-metrics-address"].reasons[0]).toContain("--metrics-endpoint no-metrics-address=<url>");
        expect(report.status).toBe("UNHEALTHY");
    });

    it("reports a component that does not answer as UNHEALTHY, within the timeout", async () => {
        const closed = `http://127.0.0.1:${await freePort()}`;
        const report = await checkHealth([], {
            timeoutMs: 1000,
            components: [{ name: "gateway", healthUrl: `${closed}/health`, hasMetrics: true, metricsUrl: `${closed}/metrics` }],
        });
        expect(report.components![0].status).toBe("UNHEALTHY");
        expect(report.components![0].reasons.join(" ")).toContain("ECONNREFUSED");
    });

    it("logs in to a real PostgreSQL and queries it; a refused login, a missing password and a full server say why", async () => {
        const server = await startPostgresServer({ password: "health-pg-password", statements: false });
        stops.push(server.stop);
        const target = { host: "127.0.0.1", port: server.port, database: "postgres", user: "postgres" };
        const healthy = await checkHealth([], { postgres: { ...target, password: "health-pg-password" } });
        expect(healthy.postgres).toMatchObject({ status: "HEALTHY", inRecovery: false, maxConnections: 100, reasons: [] });
        expect(healthy.postgres!.connections).toBeGreaterThanOrEqual(1);
        expect(healthy.status).toBe("HEALTHY");

        const refused = await checkHealth([], { postgres: { ...target, password: "wrong" } });
        expect(refused.postgres).toMatchObject({ status: "UNHEALTHY" });
        expect(refused.postgres!.reasons[0]).toContain("rejected the password");
        const missing = await checkHealth([], { postgres: target });
        expect(missing.postgres!.reasons[0]).toContain("no password to log in with");
        expect(JSON.stringify([healthy, refused, missing])).not.toContain("health-pg-password");

        // 90 other sessions of 100 allowed: the next clients are close to being turned away.
        const held = await Promise.all(Array.from({ length: 90 }, () => connectPostgres({ ...target, password: "health-pg-password" })));
        try {
            const crowded = await checkHealth([], { postgres: { ...target, password: "health-pg-password" } });
            expect(crowded.postgres).toMatchObject({ status: "DEGRADED", connections: 91, maxConnections: 100 });
            expect(crowded.postgres!.reasons).toEqual(["91 of max_connections 100 in use"]);
        } finally {
            await Promise.all(held.map((c) => c.end()));
        }
    });

    it("reports PostgreSQL that does not answer as UNHEALTHY", async () => {
        const port = await freePort();
        const report = await checkHealth([], { timeoutMs: 1000, postgres: { host: "127.0.0.1", port, user: "postgres", password: "x" } });
        expect(report.postgres!.status).toBe("UNHEALTHY");
        expect(report.postgres!.reasons[0]).toContain("unreachable");
    });
});
