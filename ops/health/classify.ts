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
}

export interface ServiceHealth {
    name: string;
    status: Status;
    rest: CheckOutcome;
    mcp: McpOutcome;
    missingTools: string[];
    unexpectedTools: string[];
    /** Why the status is not HEALTHY. */
    reasons: string[];
}

/**
 * HEALTHY: both paths pass, every expected tool is listed, both answer within `slowMs`.
 * DEGRADED: one path fails, or tools are missing, or a check is slow.
 * UNHEALTHY: both paths fail.
 */
export function classify(
    name: string,
    expectedTools: readonly string[],
    rest: CheckOutcome,
    mcp: McpOutcome,
    slowMs: number,
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
    const status: Status = !rest.ok && !mcp.ok ? "UNHEALTHY" : reasons.length > 0 ? "DEGRADED" : "HEALTHY";
    return { name, status, rest, mcp, missingTools, unexpectedTools, reasons };
}
