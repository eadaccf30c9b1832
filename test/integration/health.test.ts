import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHealth, type HealthTarget } from "../../ops/health/health";
import { startMcpServer, type TestMcpServer } from "../support/mcpServer";
import { freePort } from "../support/ports";

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
        await start("slow", { tools: EXPECTED, delayMs: 400 });
        target("down", `http://127.0.0.1:${await freePort()}`);
    });
    afterAll(async () => Promise.all(servers.map((s) => s.stop())));

    it("gives each server the status its behaviour deserves, and the worst one overall", async () => {
        const report = await checkHealth(targets, { timeoutMs: 3000, slowMs: 300 });
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
        expect(byName.slow.reasons.join()).toMatch(/check slow: \d+ ms > 300 ms/);
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
