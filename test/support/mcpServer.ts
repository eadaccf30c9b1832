import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { createServer, type Server } from "node:http";
import type { z } from "zod";

export interface TestMcpServer {
    /** Base URL, e.g. http://127.0.0.1:41234 */
    url: string;
    stop(): Promise<void>;
}

/** A tool as the test server lists it: a name, or a name with its description and input fields. */
export type TestTool = string | { name: string; description?: string; input?: Record<string, z.ZodType> };

export interface TestMcpServerOptions {
    /** The tools; a function is asked on every request, with the caller's bearer token, so the catalog can change or differ by caller. */
    tools: TestTool[] | ((token: string | undefined) => TestTool[]);
    /** When set, both routes answer 401 unless the request carries this bearer token. */
    token?: string;
    /** Accept the connection, then never answer (a hung server). */
    hang?: boolean;
    /** REST /health answers 200 when true, 503 otherwise. Default true. */
    restHealthy?: boolean;
    /** Delay before every answer, REST and MCP. Default 0. */
    delayMs?: number;
}

/**
 * A real MCP server built with the official SDK (Streamable HTTP, stateless) plus a REST
 * /health route, on a free loopback port.
 */
export async function startMcpServer(options: TestMcpServerOptions): Promise<TestMcpServer> {
    const http: Server = createServer(async (req, res) => {
        if (options.hang) return;
        if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
        if (options.token !== undefined && bearer !== options.token) {
            res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "a valid bearer token is required" }));
            return;
        }
        if (req.url === "/health") {
            res.writeHead(options.restHealthy === false ? 503 : 200, { "content-type": "application/json" });
            res.end(JSON.stringify({ status: options.restHealthy === false ? "failing" : "ok" }));
            return;
        }
        if (req.url === "/mcp") {
            const server = new McpServer({ name: "test-mcp-server", version: "1.0.0" });
            const tools = typeof options.tools === "function" ? options.tools(bearer) : options.tools;
            for (const tool of tools) {
                const { name, description, input } =
                    typeof tool === "string" ? { name: tool, description: undefined, input: undefined } : tool;
                const spec = { description: description ?? `test tool ${name}`, ...(input ? { inputSchema: input } : {}) };
                server.registerTool(name, spec, async () => ({ content: [{ type: "text" as const, text: name }] }));
            }
            const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
            res.on("close", () => {
                void transport.close();
                void server.close();
            });
            await server.connect(transport);
            await transport.handleRequest(req, res);
            return;
        }
        res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const address = http.address();
    const port = typeof address === "object" && address ? address.port : 0;
    return {
        url: `http://127.0.0.1:${port}`,
        stop: () =>
            new Promise<void>((resolve) => {
                http.closeAllConnections();
                http.close(() => resolve());
            }),
    };
}
