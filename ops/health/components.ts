import type { ComponentTarget } from "../../config/probeTargets";
import { checkRest, failureReason } from "./checks";
import type { CheckOutcome } from "./classify";
import type { Status } from "./status";

export interface MetricsOutcome extends CheckOutcome {
    /** Sample lines in the exposition. */
    samples?: number;
}

/** A component that is not an MCP server, as `health` reports it. */
export interface ComponentHealth {
    name: string;
    status: Status;
    rest: CheckOutcome;
    /** Its metrics endpoint; absent when it declares none. */
    metrics?: MetricsOutcome;
    reasons: string[];
}

/**
 * UNHEALTHY when its REST health fails; DEGRADED when its metrics endpoint does not serve samples
 * (the alerts that watch it go blind), no address for the metrics is known, or a check is slow.
 */
export async function checkComponent(target: ComponentTarget, timeoutMs: number, slowMs: number): Promise<ComponentHealth> {
    const [rest, metrics] = await Promise.all([
        checkRest(target.healthUrl, timeoutMs),
        target.metricsUrl ? checkMetrics(target.metricsUrl, timeoutMs) : undefined,
    ]);
    const reasons: string[] = [];
    if (!rest.ok) reasons.push(`REST health failed: ${rest.error}`);
    if (metrics && !metrics.ok) reasons.push(`metrics: ${metrics.error}`);
    if (target.hasMetrics && !target.metricsUrl) {
        reasons.push(`metrics not checked: no address for its metrics port; give --metrics-endpoint ${target.name}=<url>`);
    }
    for (const [label, check] of [
        ["REST", rest],
        ["metrics", metrics],
    ] as const) {
        if (check?.ok && check.latencyMs > slowMs) reasons.push(`${label} check slow: ${Math.round(check.latencyMs)} ms > ${slowMs} ms`);
    }
    const status: Status = !rest.ok ? "UNHEALTHY" : reasons.length > 0 ? "DEGRADED" : "HEALTHY";
    return { name: target.name, status, rest, ...(metrics ? { metrics } : {}), reasons };
}

/** GET /metrics: a 2xx answer in Prometheus' text format with at least one sample, as Prometheus would scrape it. */
export async function checkMetrics(url: string, timeoutMs: number): Promise<MetricsOutcome> {
    const start = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e6;
    try {
        const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { Accept: "text/plain" } });
        const body = await response.text();
        if (!response.ok) return { ok: false, latencyMs: elapsed(), error: `HTTP ${response.status}` };
        const samples = body.split("\n").filter((line) => /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?\s+\S+/.test(line)).length;
        if (samples === 0) return { ok: false, latencyMs: elapsed(), samples, error: "answered, but with no metric samples" };
        return { ok: true, latencyMs: elapsed(), samples };
    } catch (error) {
        return { ok: false, latencyMs: elapsed(), error: failureReason(error) };
    }
}
