import type { PlatformConfig } from "../config/schema";

/**
 * The ConfigMap data of one service: its connection tuning, plus the gateway's rate limit and
 * circuit breaker (the gateway is where requests enter). Only this service's own settings go in,
 * so changing one service's tuning rolls only that service.
 */
export function serviceTuning(config: PlatformConfig, name: string): Record<string, string> {
    const t = config.services[name].tuning;
    const data: Record<string, string> = {
        connection_pool_size: String(t.connectionPoolSize),
        max_idle_connections: String(t.maxIdleConnections),
        connection_timeout: `${t.connectionTimeoutSeconds}s`,
        keep_alive_enabled: String(t.keepAliveEnabled),
        keep_alive_timeout: `${t.keepAliveTimeoutSeconds}s`,
        ...t.extra,
    };
    if (name === "gateway") {
        const { rateLimit, circuitBreaker } = config.security;
        Object.assign(data, {
            rate_limit_enabled: String(rateLimit.enabled),
            rate_limit_rps: String(rateLimit.rps),
            rate_limit_burst: String(rateLimit.burst),
            circuit_breaker_enabled: String(circuitBreaker.enabled),
            circuit_breaker_error_threshold_percent: String(circuitBreaker.errorThresholdPercent),
            circuit_breaker_open_seconds: String(circuitBreaker.openSeconds),
            circuit_breaker_half_open_requests: String(circuitBreaker.halfOpenRequests),
        });
    }
    return data;
}

/** Writers are the services that call a store; maintenance mode scales them to zero. */
export function isWriter(config: PlatformConfig, name: string): boolean {
    return config.services[name].calls.some((callee) => callee === "redis" || callee === "postgres");
}
