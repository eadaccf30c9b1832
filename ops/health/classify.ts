import type { ToolFingerprint } from "../../config/schema";
import { type CatalogDrift, catalogDrift, describeDrift, type ListedTool } from "./catalog";
import type { Status } from "./status";

export interface CheckOutcome {
    ok: boolean;
    latencyMs: number;
    /** Why the check failed; never contains credentials. */
    error?: string;
}

export interface McpOutcome extends CheckOutcome {
    /** Tool names from tools/list, when the MCP check got that far. */
    tools?: string[];
    /** The tools with their descriptions and input schemas, for the catalog lock. */
    listed?: ListedTool[];
    /** The MCP protocol version the server agreed to. */
    protocolVersion?: string;
}

export interface ServiceHealth {
    name: string;
    status: Status;
    rest: CheckOutcome;
    mcp: McpOutcome;
    missingTools: string[];
    unexpectedTools: string[];
    /** How the tool list differs from the reviewed lock, when the server has one and answered. */
    catalog?: CatalogDrift;
    /** Why the status is not HEALTHY. */
    reasons: string[];
}

/**
 * HEALTHY: both paths pass, every expected tool is listed, both answer within `slowMs`.
 * DEGRADED: one path fails, or tools are missing, or a check is slow, or the tool catalog differs
 * from its lock (a tool renamed, removed, added, or its schema or description changed).
 * UNHEALTHY: both paths fail.
 */
export function classify(
    name: string,
    expectedTools: readonly string[],
    rest: CheckOutcome,
    mcp: McpOutcome,
    slowMs: number,
    lock?: Record<string, ToolFingerprint>,
): ServiceHealth {
    const listed = mcp.tools ?? [];
    const missingTools = mcp.ok ? expectedTools.filter((t) => !listed.includes(t)) : [];
    const unexpectedTools = mcp.ok ? listed.filter((t) => !expectedTools.includes(t)) : [];
    const reasons: string[] = [];
    if (!rest.ok) reasons.push(`REST health failed: ${rest.error}`);
    if (!mcp.ok) reasons.push(`MCP check failed: ${mcp.error}`);
    if (missingTools.length > 0) reasons.push(`expected tools missing: ${missingTools.join(", ")}`);
    for (const [label, check] of [
        ["REST", rest],
        ["MCP", mcp],
    ] as const) {
        if (check.ok && check.latencyMs > slowMs) reasons.push(`${label} check slow: ${Math.round(check.latencyMs)} ms > ${slowMs} ms`);
    }
    const catalog = lock && mcp.ok ? catalogDrift(lock, mcp.listed ?? []) : undefined;
    if (catalog) reasons.push(...describeDrift(catalog));
    const status: Status = !rest.ok && !mcp.ok ? "UNHEALTHY" : reasons.length > 0 ? "DEGRADED" : "HEALTHY";
    // The report keeps the tool names, not every schema the server sent.
    const { listed: _, ...mcpReport } = mcp;
    return { name, status, rest, mcp: mcpReport, missingTools, unexpectedTools, ...(catalog ? { catalog } : {}), reasons };
}
