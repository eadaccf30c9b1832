import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { createServer, type Server } from "node:http";

export interface TestMcpServer {
    /** Base URL, e.g. http://127.0.0.1:41234 */
    url: string;
    stop(): Promise<void>;
}

export interface TestMcpServerOptions {
    tools: string[];
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
        if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
        if (req.url === "/health") {
            res.writeHead(options.restHealthy === false ? 503 : 200, { "content-type": "application/json" });
            res.end(JSON.stringify({ status: options.restHealthy === false ? "failing" : "ok" }));
            return;
        }
        if (req.url === "/mcp") {
            const server = new McpServer({ name: "test-mcp-server", version: "1.0.0" });
            for (const tool of options.tools) {
                server.registerTool(tool, { description: `test tool ${tool}` }, async () => ({ content: [{ type: "text", text: tool }] }));
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
