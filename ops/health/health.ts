import { checkMcp, checkRest } from "./checks";
import { classify, overallStatus, ServiceHealth, Status } from "./classify";

export interface HealthTarget {
    name: string;
    /** Full URL of the REST health endpoint. */
    restUrl: string;
    /** Full URL of the MCP Streamable HTTP endpoint. */
    mcpUrl: string;
    expectedTools: string[];
}

export interface HealthOptions {
    /** Per-check timeout in milliseconds. Default 5000. */
    timeoutMs?: number;
    /** A passing check slower than this degrades the service. Default 2000 (the p95 alert's bound). */
    slowMs?: number;
}

export interface HealthReport {
    status: Status;
    checkedAt: string;
    services: ServiceHealth[];
}

/** Checks every target, all checks in parallel, each bounded by its own timeout. */
export async function checkHealth(targets: HealthTarget[], options: HealthOptions = {}): Promise<HealthReport> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const slowMs = options.slowMs ?? 2000;
    const checkedAt = new Date().toISOString();
    const services = await Promise.all(
        targets.map(async (t) => {
            const [rest, mcp] = await Promise.all([checkRest(t.restUrl, timeoutMs), checkMcp(t.mcpUrl, timeoutMs)]);
            return classify(t.name, t.expectedTools, rest, mcp, slowMs);
        }),
    );
    return { status: overallStatus(services.map((s) => s.status)), checkedAt, services };
}
