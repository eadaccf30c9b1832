import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli";
import { startMcpServer, TestMcpServer } from "../support/mcpServer";
import { fillKeys, RedisServer, startRedisServer, countKeys } from "../support/redisServer";

describe("mcp-ops health", () => {
    let filesystem: TestMcpServer;
    let memory: TestMcpServer;

    beforeAll(async () => {
        filesystem = await startMcpServer({ tools: ["read_file", "list_directory", "search_files"] });
        memory = await startMcpServer({ tools: ["create_entities", "search_nodes"] });
    });
    afterAll(async () => Promise.all([filesystem?.stop(), memory?.stop()]));

    it("checks the stack's MCP servers through --endpoint and exits by the overall status", async () => {
        const result = await runCli(["health", "--stack", "local", "--endpoint", `mcp-filesystem=${filesystem.url}`, "--endpoint", `mcp-memory=${memory.url}`, "--json"]);
        const report = JSON.parse(result.stdout);
        expect(report.services.map((s: any) => [s.name, s.status])).toEqual([
            ["mcp-filesystem", "HEALTHY"],
            ["mcp-memory", "DEGRADED"],
        ]);
        expect(report.services[1].missingTools).toEqual(["read_graph"]);
        expect(result.code).toBe(1);
    });

    it("prints a readable report", async () => {
        const result = await runCli(["health", "--endpoint", `mcp-filesystem=${filesystem.url}`, "--endpoint", `mcp-memory=${filesystem.url}`]);
        expect(result.stdout).toMatch(/^overall: DEGRADED/);
        expect(result.stdout).toMatch(/HEALTHY\s+mcp-filesystem\s+rest ok \d+ ms\s+mcp ok \d+ ms\s+3 tools/);
        expect(result.stdout).toContain("expected tools missing: create_entities, search_nodes, read_graph");
    });

    it("rejects an endpoint for a service the stack does not have, with exit code 64", async () => {
        const result = await runCli(["health", "--endpoint", `billing=${filesystem.url}`]);
        expect(result.code).toBe(64);
        expect(result.stderr).toContain('mcp-ops: --endpoint names "billing", which is not a service of this stack; use one of: gateway, router, mcp-filesystem, mcp-memory');
    });
});

describe("mcp-ops redis revoke-sessions", () => {
    let server: RedisServer;
    beforeAll(async () => {
        server = await startRedisServer({ password: "cli-secret-password" });
    });
    afterAll(async () => server?.stop());

    it("previews, then deletes, reading the password from the environment and never printing it", async () => {
        const seed = server.client();
        await fillKeys(seed, "session:", 3_000);
        await fillKeys(seed, "cache:", 500);
        const env = { REDIS_PASSWORD: "cli-secret-password" };
        const url = `redis://127.0.0.1:${server.port}`;

        const preview = await runCli(["redis", "revoke-sessions", "--url", url, "--preview"], env);
        expect(preview.stdout.trim()).toBe('preview: 3000 keys match "session:*"; nothing was deleted');
        expect(await countKeys(seed, "session:*")).toBe(3_000);

        const run = await runCli(["redis", "revoke-sessions", "--url", url, "--json"], env);
        expect(JSON.parse(run.stdout)).toMatchObject({ deleted: 3_000, pattern: "session:*" });
        expect(await countKeys(seed, "*")).toBe(500);
        expect(run.stdout + run.stderr + preview.stdout + preview.stderr).not.toContain("cli-secret-password");
    });

    it("fails with exit code 69 and no secret when the password is wrong", async () => {
        const result = await runCli(["redis", "revoke-sessions", "--url", `redis://127.0.0.1:${server.port}`], { REDIS_PASSWORD: "not-the-password" });
        expect(result.code).toBe(69);
        expect(result.stderr).toContain("rejected the password");
        expect(result.stderr).not.toContain("not-the-password");
    });
});
