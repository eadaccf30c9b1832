/**
 * Names the program gives its own objects, which config must not take. A service named X owns a
 * ServiceAccount, ConfigMap (X-config), Deployment, Service, NetworkPolicy, PodDisruptionBudget and
 * HPA named X, and labels its pods app.kubernetes.io/name=X; a secret named X is a Secret named X.
 * test/unit/reserved.test.ts checks these lists against what the program really declares.
 */
export const RESERVED_SERVICE_NAMES: Record<string, string> = {
    redis: "the in-cluster Redis (its StatefulSet, Service, ServiceAccount and NetworkPolicy)",
    postgres: "the in-cluster PostgreSQL (its StatefulSet, Service, ServiceAccount and NetworkPolicy)",
    backup: "the backup jobs (their ServiceAccount and NetworkPolicy, and the app.kubernetes.io/name label of their pods)",
    "backup-drill": "the restore drill jobs (their NetworkPolicy, and the app.kubernetes.io/name label of their pods)",
    "default-deny": "the namespace's default-deny NetworkPolicy",
    "allow-dns-egress": "the namespace's DNS egress NetworkPolicy",
    "emergency-lockdown": "the emergency lockdown NetworkPolicy",
    "mcp-prober": "the prober (its Deployment, Service, ServiceMonitor, ServiceAccount and NetworkPolicy)",
    "postgres-exporter": "the PostgreSQL metrics exporter (its Deployment, Service, ServiceMonitor, ServiceAccount and NetworkPolicy)",
    "redis-exporter": "the Redis metrics exporter (its Deployment, Service, ServiceMonitor, ServiceAccount and NetworkPolicy)",
    "redis-credentials": "the Job that applies Redis's password (its NetworkPolicy and the app.kubernetes.io/name label of its pods)",
    "postgres-credentials": "the Job that applies PostgreSQL's logins (its NetworkPolicy and the app.kubernetes.io/name label of its pods)",
};

export const RESERVED_SECRET_NAMES: Record<string, string> = {
    "gateway-tls": "the gateway's certificate",
    "gateway-tls-ca": "the private CA's certificate",
    "gateway-tls-acme-account": "the ACME account key",
};

/** Keys of a service's ConfigMap the program writes itself; tuning.extra must not set them. */
export const TUNING_KEYS = [
    "connection_pool_size",
    "max_idle_connections",
    "connection_timeout",
    "keep_alive_enabled",
    "keep_alive_timeout",
] as const;
export const GATEWAY_TUNING_KEYS = [
    "rate_limit_enabled",
    "rate_limit_rps",
    "rate_limit_burst",
    "circuit_breaker_enabled",
    "circuit_breaker_error_threshold_percent",
    "circuit_breaker_open_seconds",
    "circuit_breaker_half_open_requests",
] as const;

/** Environment variables the program sets on a service for what it calls. */
export function injectedEnv(calls: readonly string[]): Record<string, string> {
    const env: Record<string, string> = {};
    for (const callee of calls) {
        if (callee === "redis") for (const name of ["REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD"]) env[name] = "redis";
        else if (callee === "postgres")
            for (const name of ["DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USER", "DATABASE_PASSWORD"])
                env[name] = "postgres";
        else env[`${callee.toUpperCase().replace(/-/g, "_")}_URL`] = callee;
    }
    return env;
}
