import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lockOf } from "../../ops/health/catalog";
import { checkMcp } from "../../ops/health/checks";
import type { HealthReport, HealthTarget } from "../../ops/health/health";
import { serveHealth, type Serving } from "../../ops/health/serve";
import { startMcpServer, type TestMcpServer, type TestTool } from "../support/mcpServer";
import { startComponentServer, type TestComponentServer } from "../support/componentServer";
import { freePort } from "../support/ports";
import { parsePromText, type Sample, valueOf } from "../support/promText";

/**
 * The prober against real MCP servers built with the official SDK: one whose tool changes its input
 * schema between two rounds, one that drops a tool, one that hangs, one that wants a bearer token and
 * lists more to its holder, and a stable one; metrics scraped from the real /metrics and parsed.
 */
describe("mcp-ops health --serve (the prober)", () => {
    const servers: Record<string, TestMcpServer> = {};
    let searchInput: Record<string, z.ZodType> = { query: z.string() };
    let dropping: TestTool[] = ["create_entities", "read_graph"];
    let serving: Serving;
    const reports: HealthReport[] = [];
    let gateway: TestComponentServer;

    const target = (name: string, expectedTools: string[], extra: Partial<HealthTarget> = {}): HealthTarget => ({
        name,
        restUrl: `${servers[name].url}/health`,
        mcpUrl: `${servers[name].url}/mcp`,
        expectedTools,
        ...extra,
    });
    const scrape = async (): Promise<Sample[]> => parsePromText(await (await fetch(`${serving.url}/metrics`)).text());
    const nextRound = async () => {
        const seen = reports.length;
        while (reports.length === seen) await new Promise((r) => setTimeout(r, 50));
        return reports[reports.length - 1];
    };

    beforeAll(async () => {
        servers.stable = await startMcpServer({ tools: ["read_file", "list_directory"] });
        servers.changing = await startMcpServer({ tools: () => [{ name: "search", description: "search the index", input: searchInput }] });
        servers.dropping = await startMcpServer({ tools: () => dropping });
        servers.hanging = await startMcpServer({ tools: ["never"], hang: true });
        servers.guarded = await startMcpServer({
            token: "probe-token-value",
            tools: (token) => (token ? ["search", "admin_export"] : ["search"]),
        });
        process.env.MCP_PROBE_TOKEN_GUARDED = "probe-token-value";
        gateway = await startComponentServer();
        const locked = async (name: string, token?: string) =>
            lockOf((await checkMcp(`${servers[name].url}/mcp`, 5000, token)).listed ?? []);
        const targets = [
            // First, so with two checks at a time the hung server holds a slot for its whole timeout.
            target("hanging", ["never"]),
            target("stable", ["read_file", "list_directory"], { toolLock: await locked("stable") }),
            target("changing", ["search"], { toolLock: await locked("changing") }),
            target("dropping", ["create_entities", "read_graph"], { toolLock: await locked("dropping") }),
            target("guarded", ["search", "admin_export"], {
                tokenEnv: "MCP_PROBE_TOKEN_GUARDED",
                toolLock: await locked("guarded", "probe-token-value"),
            }),
            { ...target("guarded", ["search"]), name: "guarded-anonymous" },
        ];
        serving = await serveHealth({
            address: "127.0.0.1:0",
            intervalMs: 100,
            timeoutMs: 1500,
            concurrency: 2,
            targets,
            components: [
                { name: "gateway", healthUrl: `${gateway.url}/health`, hasMetrics: false },
                { name: "router", healthUrl: `http://127.0.0.1:${await freePort()}/health`, hasMetrics: false },
            ],
            onRound: (r) => reports.push(r),
        });
        await nextRound();
    });
    afterAll(async () => {
        delete process.env.MCP_PROBE_TOKEN_GUARDED;
        await serving?.close();
        await Promise.all([...Object.values(servers).map((s) => s.stop()), gateway?.stop()]);
    });

    it("serves the gateway's and router's REST health as mcp_component_up", async () => {
        const m = await scrape();
        expect(valueOf(m, "mcp_component_up", { component: "gateway" })).toBe(1);
        expect(valueOf(m, "mcp_component_up", { component: "router" })).toBe(0);
        expect(reports.at(-1)!.components!.map((c) => [c.name, c.status])).toEqual([
            ["gateway", "HEALTHY"],
            ["router", "UNHEALTHY"],
        ]);
    });

    it("serves each server's checks, combined status and protocol version as metrics", async () => {
        const m = await scrape();
        expect(valueOf(m, "mcp_server_up", { server: "stable", check: "rest" })).toBe(1);
        expect(valueOf(m, "mcp_server_up", { server: "stable", check: "mcp" })).toBe(1);
        expect(valueOf(m, "mcp_server_status", { server: "stable", status: "HEALTHY" })).toBe(1);
        expect(valueOf(m, "mcp_server_status", { server: "stable", status: "DEGRADED" })).toBe(0);
        expect(m.find((s) => s.name === "mcp_server_protocol_version_info" && s.labels.server === "stable")?.labels.version).toMatch(
            /^\d{4}-\d{2}-\d{2}$/,
        );
        expect(valueOf(m, "mcp_server_last_success_timestamp_seconds", { server: "stable" })).toBeGreaterThan(Date.now() / 1000 - 60);
        expect(valueOf(m, "mcp_check_duration_seconds_count", { server: "stable", check: "mcp" })).toBeGreaterThanOrEqual(1);
        expect(valueOf(m, "mcp_server_tool_catalog_drift", { server: "stable", kind: "changed" })).toBe(0);
    });

    it("keeps probing while a server hangs: it is down, the others are still checked every round", async () => {
        const before = valueOf(await scrape(), "mcp_probe_rounds_total")!;
        await nextRound();
        await nextRound();
        const m = await scrape();
        expect(valueOf(m, "mcp_probe_rounds_total")).toBeGreaterThanOrEqual(before + 2);
        expect(valueOf(m, "mcp_server_up", { server: "hanging", check: "rest" })).toBe(0);
        expect(valueOf(m, "mcp_server_up", { server: "hanging", check: "mcp" })).toBe(0);
        expect(valueOf(m, "mcp_server_status", { server: "hanging", status: "UNHEALTHY" })).toBe(1);
        expect(reports.at(-1)!.services.find((s) => s.name === "hanging")!.reasons).toContain("MCP check failed: timed out");
        expect(valueOf(m, "mcp_server_status", { server: "stable", status: "HEALTHY" })).toBe(1);
    });

    it("probes with the server's bearer token, and sees what an anonymous caller is refused", async () => {
        const m = await scrape();
        expect(valueOf(m, "mcp_server_status", { server: "guarded", status: "HEALTHY" })).toBe(1);
        expect(valueOf(m, "mcp_server_unexpected_tools", { server: "guarded" })).toBe(0);
        expect(valueOf(m, "mcp_server_up", { server: "guarded-anonymous", check: "rest" })).toBe(0);
        const anonymous = reports.at(-1)!.services.find((s) => s.name === "guarded-anonymous")!;
        expect(anonymous.reasons[0]).toBe("REST health failed: HTTP 401");
        expect(JSON.stringify(reports.at(-1))).not.toContain("probe-token-value");
    });

    it("reports a tool whose input schema changed after it was locked, naming the field", async () => {
        searchInput = { query: z.string(), limit: z.number() };
        const report = await nextRound().then(() => nextRound());
        const changing = report.services.find((s) => s.name === "changing")!;
        expect(changing.catalog).toEqual({ missing: [], added: [], changed: [{ tool: "search", fields: ["inputSchema"] }] });
        expect(changing.status).toBe("DEGRADED");
        expect(changing.reasons).toContain("tool search changed its input schema since it was locked");
        const m = await scrape();
        expect(valueOf(m, "mcp_server_tool_catalog_drift", { server: "changing", kind: "changed" })).toBe(1);
        expect(valueOf(m, "mcp_server_status", { server: "changing", status: "DEGRADED" })).toBe(1);
    });

    it("reports a dropped tool as missing from both the expected list and the lock", async () => {
        dropping = ["create_entities"];
        await nextRound();
        await nextRound();
        const m = await scrape();
        expect(valueOf(m, "mcp_server_expected_tools_missing", { server: "dropping" })).toBe(1);
        expect(valueOf(m, "mcp_server_tool_catalog_drift", { server: "dropping", kind: "missing" })).toBe(1);
        expect(reports.at(-1)!.services.find((s) => s.name === "dropping")!.reasons).toEqual([
            "expected tools missing: read_graph",
            "tool read_graph is locked but no longer listed",
        ]);
    });

    it("answers /healthz once a round has completed, and nothing but the metrics elsewhere", async () => {
        expect((await fetch(`${serving.url}/healthz`)).status).toBe(200);
        expect((await fetch(`${serving.url}/other`)).status).toBe(404);
    });
});
