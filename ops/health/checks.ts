import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { ListedTool } from "./catalog";
import type { CheckOutcome, McpOutcome } from "./classify";

/** Headers that present a probe's identity: a bearer token, when the server wants one. */
const authorization = (token?: string): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {});

const CLIENT_INFO = { name: "mcp-ops-health", version: "1.0.0" };

const elapsedSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/** Why a check's request failed, in one line: timeouts named as such, the socket error's code beside its message. */
export function failureReason(error: unknown): string {
    const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e?.name === "TimeoutError" || e?.name === "AbortError") return "timed out";
    const cause = e?.cause?.code ?? e?.cause?.message;
    return [e?.message ?? String(error), cause].filter(Boolean).join(": ");
}

/** GET the REST health path; 2xx within the timeout passes. */
export async function checkRest(url: string, timeoutMs: number, token?: string): Promise<CheckOutcome> {
    const start = process.hrtime.bigint();
    try {
        const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: authorization(token) });
        await response.body?.cancel();
        const latencyMs = elapsedSince(start);
        return response.ok ? { ok: true, latencyMs } : { ok: false, latencyMs, error: `HTTP ${response.status}` };
    } catch (error) {
        return { ok: false, latencyMs: elapsedSince(start), error: failureReason(error) };
    }
}

/**
 * A real MCP session over Streamable HTTP: `initialize`, then `tools/list` through every page.
 * The whole exchange shares one deadline.
 */
export async function checkMcp(url: string, timeoutMs: number, token?: string): Promise<McpOutcome> {
    const start = process.hrtime.bigint();
    const signal = AbortSignal.timeout(timeoutMs);
    const client = new Client(CLIENT_INFO);
    const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { signal, headers: authorization(token) } });
    const options = { signal, timeout: timeoutMs };
    try {
        await client.connect(transport, options);
        const listed: ListedTool[] = [];
        let cursor: string | undefined;
        do {
            const page = await client.listTools(cursor ? { cursor } : undefined, options);
            listed.push(...page.tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })));
            cursor = page.nextCursor;
        } while (cursor);
        const tools = listed.map((t) => t.name);
        return { ok: true, latencyMs: elapsedSince(start), tools, listed, protocolVersion: transport.protocolVersion };
    } catch (error) {
        return { ok: false, latencyMs: elapsedSince(start), error: signal.aborted ? "timed out" : failureReason(error) };
    } finally {
        await client.close().catch(() => undefined);
    }
}
