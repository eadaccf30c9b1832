import { describe, expect, it } from "vitest";
import { classify } from "../../ops/health/classify";
import { overallStatus } from "../../ops/health/status";
import { healthTargets, parseEndpoints } from "../../ops/health/targets";
import { parseTtlRules } from "../../ops/commands/redis";
import { redisTarget } from "../../ops/redis/target";
import { assertNarrowPattern } from "../../ops/redis/sweep";
import { editedConfig, stackConfig } from "../support/platform";

const ok = (latencyMs = 10) => ({ ok: true, latencyMs });
const failed = { ok: false, latencyMs: 5, error: "HTTP 503" };

describe("health classification", () => {
    it("is HEALTHY only when both paths pass, every tool is listed and nothing is slow", () => {
        expect(classify("s", ["a"], ok(), { ...ok(), tools: ["a", "b"] }, 100)).toMatchObject({
            status: "HEALTHY",
            unexpectedTools: ["b"],
            reasons: [],
        });
    });
    it("is DEGRADED when one path fails, a tool is missing, or a check is slow", () => {
        expect(classify("s", ["a"], failed, { ...ok(), tools: ["a"] }, 100).status).toBe("DEGRADED");
        expect(classify("s", ["a"], ok(), { ok: false, latencyMs: 1, error: "refused" }, 100).status).toBe("DEGRADED");
        expect(classify("s", ["a", "b"], ok(), { ...ok(), tools: ["a"] }, 100)).toMatchObject({ status: "DEGRADED", missingTools: ["b"] });
        expect(classify("s", [], ok(250), { ...ok(), tools: [] }, 100).reasons).toEqual(["REST check slow: 250 ms > 100 ms"]);
    });
    it("is UNHEALTHY when both paths fail, and the overall status is the worst", () => {
        expect(classify("s", ["a"], failed, { ok: false, latencyMs: 1, error: "x" }, 100).status).toBe("UNHEALTHY");
        expect(overallStatus(["HEALTHY", "DEGRADED", "HEALTHY"])).toBe("DEGRADED");
        expect(overallStatus([])).toBe("HEALTHY");
    });
});

describe("health targets", () => {
    it("checks every MCP server of the stack in-cluster by default", () => {
        expect(healthTargets(stackConfig("staging"))).toEqual([
            {
                name: "mcp-filesystem",
                restUrl: "http://mcp-filesystem.mcp-staging.svc.cluster.local:3000/health",
                mcpUrl: "http://mcp-filesystem.mcp-staging.svc.cluster.local:3000/mcp",
                expectedTools: ["read_file", "list_directory", "search_files"],
            },
            expect.objectContaining({ name: "mcp-memory" }),
        ]);
    });
    it("uses port-forwarded endpoints when given", () => {
        const [target] = healthTargets(stackConfig("local"), parseEndpoints(["mcp-filesystem=http://127.0.0.1:18080/"]));
        expect(target).toMatchObject({ restUrl: "http://127.0.0.1:18080/health", mcpUrl: "http://127.0.0.1:18080/mcp" });
    });
    it("rejects malformed endpoint flags with the expected form", () => {
        expect(() => parseEndpoints(["mcp-memory:18080"])).toThrow(
            '--endpoint "mcp-memory:18080" is not name=url; write it as --endpoint mcp-memory=http://127.0.0.1:18080',
        );
    });
});

describe("redis command inputs", () => {
    it("parses TTL rules and falls back to the stack's", () => {
        expect(parseTtlRules(["session:=3600", "cache:=300"], [])).toEqual([
            { prefix: "session:", ttlSeconds: 3600 },
            { prefix: "cache:", ttlSeconds: 300 },
        ]);
        expect(parseTtlRules([], stackConfig("local").redis.ttlRules)).toEqual([
            { prefix: "session:", ttlSeconds: 3600 },
            { prefix: "cache:", ttlSeconds: 300 },
        ]);
        expect(() => parseTtlRules(["session:"], [])).toThrow('--rule "session:" is not prefix=seconds; write it as --rule session:=3600');
    });
    it("finds Redis in-cluster, at an external endpoint, or at the given URL", () => {
        expect(redisTarget(stackConfig("staging"), undefined, "pw")).toEqual({
            host: "redis.mcp-staging.svc.cluster.local",
            port: 6379,
            password: "pw",
            db: undefined,
        });
        const external = editedConfig("staging", (r) => (r.redis = { mode: "external", external: { host: "cache.internal", port: 6380 } }));
        expect(redisTarget(external, undefined, "pw")).toMatchObject({ host: "cache.internal", port: 6380, tls: true });
        expect(redisTarget(undefined, "redis://127.0.0.1:6379", undefined, 2)).toEqual({
            url: "redis://127.0.0.1:6379",
            password: undefined,
            db: 2,
        });
    });
    it("refuses sweeping patterns that start with a glob", () => {
        for (const pattern of ["*", "?ession:*", "[s]ession:*", ""])
            expect(() => assertNarrowPattern(pattern)).toThrow(/would match every key/);
        expect(() => assertNarrowPattern("session:*")).not.toThrow();
    });
});
