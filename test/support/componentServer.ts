import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A gateway or router as `health` sees one: its REST health and its Prometheus metrics, on one loopback port. */
export interface TestComponentServer {
    /** Base URL, e.g. http://127.0.0.1:40123: both --endpoint and --metrics-endpoint of a component. */
    url: string;
    stop(): Promise<void>;
}

export async function startComponentServer(
    o: { healthy?: boolean; metrics?: "samples" | "empty" | "missing" } = {},
): Promise<TestComponentServer> {
    const server = createServer((req, res) => {
        if (req.url === "/health") {
            res.writeHead(o.healthy === false ? 503 : 200, { "content-type": "application/json" });
            res.end(JSON.stringify({ status: o.healthy === false ? "failing" : "ok" }));
        } else if (req.url === "/metrics" && o.metrics !== "missing") {
            res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
            const samples = [
                "# HELP mcp_requests_total Requests served.",
                "# TYPE mcp_requests_total counter",
                'mcp_requests_total{route="/mcp"} 42',
                "process_resident_memory_bytes 1.2e+07",
            ];
            res.end(o.metrics === "empty" ? "# HELP mcp_requests_total Requests served.\n" : `${samples.join("\n")}\n`);
        } else {
            res.writeHead(404).end();
        }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}
