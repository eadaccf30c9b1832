/**
 * The platform's alerts, as data: each names the runbook entry that handles it and the ops
 * command to start with. The runbook book is generated from the same names, so an alert can
 * never point at a missing entry without a test failing.
 */
export interface AlertRule {
    alert: string;
    /** PromQL; `$NS` is replaced by the platform namespace. */
    expr: string;
    for: string;
    severity: "critical" | "warning";
    summary: string;
    description: string;
    /** Anchor of the runbook entry in docs/runbook.md. */
    runbook: string;
    /** The first command an on-call engineer runs. */
    command: string;
    /** Reads the prober's metrics: declared only where the platform runs the prober. */
    needsProber?: true;
    /** Reads postgres_exporter's metrics: declared only where the platform runs the exporter. */
    needsPostgresExporter?: true;
    /** Reads redis_exporter's metrics: declared only where the platform runs the exporter. */
    needsRedisExporter?: true;
}

/** When each restore drill CronJob was last scheduled, and last passed (kube-state-metrics). */
const DRILL_SCHEDULED = 'max by (cronjob) (kube_cronjob_status_last_schedule_time{namespace="$NS", cronjob=~".*-backup-drill"})';
const DRILL_PASSED = 'max by (cronjob) (kube_cronjob_status_last_successful_time{namespace="$NS", cronjob=~".*-backup-drill"})';

export const ALERT_RULES: readonly AlertRule[] = [
    {
        alert: "McpHighErrorRate",
        expr:
            'sum by (service) (rate(http_requests_total{namespace="$NS", code=~"5.."}[5m])) / sum by (service) ' +
            '(rate(http_requests_total{namespace="$NS"}[5m])) > 0.05',
        for: "5m",
        severity: "critical",
        summary: "{{ $labels.service }} answers more than 5% of requests with 5xx",
        description: "Error rate {{ $value | humanizePercentage }} for 5 minutes. Check for a recent change and roll back if one matches.",
        runbook: "high-error-rate",
        command: "mcp-ops history && mcp-ops rollback --last-good",
    },
    {
        alert: "McpHighLatencyP95",
        expr: 'histogram_quantile(0.95, sum by (le, service) (rate(http_request_duration_seconds_bucket{namespace="$NS"}[5m]))) > 2',
        for: "5m",
        severity: "warning",
        summary: "{{ $labels.service }} p95 latency above 2s",
        description: "p95 latency {{ $value | humanizeDuration }} for 5 minutes. Scale out, or check the stores.",
        runbook: "high-latency",
        command: "mcp-ops scale {{ $labels.service }} --min <n> --max <m>",
    },
    {
        alert: "McpHighLatencyP99",
        expr: 'histogram_quantile(0.99, sum by (le, service) (rate(http_request_duration_seconds_bucket{namespace="$NS"}[5m]))) > 1',
        for: "5m",
        severity: "warning",
        summary: "{{ $labels.service }} p99 latency above 1s",
        description: "The slowest 1% of requests take {{ $value | humanizeDuration }} or more, for 5 minutes: the tail users notice first.",
        runbook: "high-latency",
        command: "mcp-ops health && mcp-ops redis stats",
    },
    {
        alert: "McpHighMemory",
        expr:
            'max by (pod, container) (container_memory_working_set_bytes{namespace="$NS", container!=""}) / max by (pod, container) ' +
            '(kube_pod_container_resource_limits{namespace="$NS", resource="memory"}) > 0.9',
        for: "10m",
        severity: "warning",
        summary: "{{ $labels.container }} in {{ $labels.pod }} uses more than 90% of its memory limit",
        description:
            "Working set at {{ $value | humanizePercentage }} of the limit for 10 minutes; the container is close to being OOM-killed.",
        runbook: "high-memory",
        command: "mcp-ops resources <service> --memory <limit>",
    },
    {
        // A working set still rising after an hour, projected past its limit within four: a leak, not a plateau.
        alert: "McpMemoryGrowing",
        expr:
            'predict_linear(max by (pod, container) (container_memory_working_set_bytes{namespace="$NS", container!=""})[1h:5m], ' +
            '4 * 3600) > max by (pod, container) (kube_pod_container_resource_limits{namespace="$NS", resource="memory"})',
        for: "30m",
        severity: "warning",
        summary: "{{ $labels.container }} in {{ $labels.pod }} grows toward its memory limit",
        description: "At the last hour's rate its working set passes the limit within 4 hours: a leak until shown otherwise.",
        runbook: "high-memory",
        command: "mcp-ops restart <service>",
    },
    {
        alert: "McpOomKilled",
        expr:
            'max by (pod, container) (kube_pod_container_status_last_terminated_reason{namespace="$NS", reason="OOMKilled"}) ' +
            '* on (pod, container) max by (pod, container) (increase(kube_pod_container_status_restarts_total{namespace="$NS"}[15m])) > 0',
        for: "1m",
        severity: "critical",
        summary: "{{ $labels.container }} in {{ $labels.pod }} was OOM-killed",
        description: "The kernel killed it for exceeding its memory limit and it restarted in the last 15 minutes.",
        runbook: "high-memory",
        command: "mcp-ops resources <service> --memory <limit>",
    },
    {
        alert: "McpVolumeFilling",
        expr:
            'max by (persistentvolumeclaim) (kubelet_volume_stats_used_bytes{namespace="$NS"}) / max by (persistentvolumeclaim) ' +
            '(kubelet_volume_stats_capacity_bytes{namespace="$NS"}) > 0.85',
        for: "15m",
        severity: "warning",
        summary: "Volume {{ $labels.persistentvolumeclaim }} is more than 85% full",
        description: "{{ $value | humanizePercentage }} used for 15 minutes; a full volume stops Redis persisting and PostgreSQL writing.",
        runbook: "volume-filling",
        command: "mcp-ops status",
    },
    {
        alert: "McpCrashLooping",
        expr: 'increase(kube_pod_container_status_restarts_total{namespace="$NS"}[15m]) > 3',
        for: "5m",
        severity: "critical",
        summary: "{{ $labels.container }} in {{ $labels.pod }} is crash looping",
        description: "More than 3 restarts in 15 minutes.",
        runbook: "service-unavailable",
        command: "mcp-ops status && mcp-ops rollback --last-good",
    },
    {
        alert: "McpMetricsUnreachable",
        expr: 'up{namespace="$NS"} == 0',
        for: "2m",
        severity: "critical",
        summary: "{{ $labels.service }} does not answer scrapes",
        description: "Prometheus has not reached {{ $labels.instance }} for 2 minutes.",
        runbook: "service-unavailable",
        command: "mcp-ops status",
    },
    {
        alert: "McpServerDown",
        expr: 'max by (server) (mcp_server_up{namespace="$NS"}) == 0',
        for: "2m",
        severity: "critical",
        summary: "MCP server {{ $labels.server }} fails both its REST and MCP checks",
        description: "The prober has reached neither its REST health nor its MCP endpoint for 2 minutes.",
        runbook: "service-unavailable",
        command: "mcp-ops health --json",
        needsProber: true,
    },
    {
        alert: "McpComponentDown",
        expr: 'max by (component) (mcp_component_up{namespace="$NS"}) == 0',
        for: "2m",
        severity: "critical",
        summary: "{{ $labels.component }} fails its REST health check",
        description: "The prober has not had a passing /health from {{ $labels.component }} for 2 minutes.",
        runbook: "service-unavailable",
        command: "mcp-ops health --json",
        needsProber: true,
    },
    {
        alert: "McpDualMonitoringDegraded",
        expr: 'sum by (server) (mcp_server_up{namespace="$NS"}) == 1',
        for: "5m",
        severity: "warning",
        summary: "MCP server {{ $labels.server }} passes only one of its REST and MCP checks",
        description: "One monitoring path has failed for 5 minutes; the other still answers.",
        runbook: "mcp-health",
        command: "mcp-ops health --json",
        needsProber: true,
    },
    {
        alert: "McpToolsMissing",
        expr: 'max by (server) (mcp_server_expected_tools_missing{namespace="$NS"}) > 0',
        for: "5m",
        severity: "warning",
        summary: "MCP server {{ $labels.server }} lacks {{ $value }} expected tools",
        description: "tools/list does not return every tool in the server's expected list.",
        runbook: "mcp-tools-missing",
        command: "mcp-ops health --json",
        needsProber: true,
    },
    {
        alert: "McpToolCatalogChanged",
        expr: 'sum by (server) (mcp_server_tool_catalog_drift{namespace="$NS"}) > 0',
        for: "1m",
        severity: "warning",
        summary: "MCP server {{ $labels.server }} lists {{ $value }} tools unlike their reviewed lock",
        description: "A tool was added, removed, or changed its input schema or description since the catalog was locked.",
        runbook: "mcp-tool-catalog",
        command: "mcp-ops health --json",
        needsProber: true,
    },
    {
        alert: "McpProberSilent",
        expr: 'absent(mcp_probe_rounds_total{namespace="$NS"})',
        for: "10m",
        severity: "warning",
        summary: "The prober reports nothing: the MCP servers are not being checked",
        description: "No prober metrics for 10 minutes, so the MCP alerts cannot fire.",
        runbook: "mcp-health",
        command: "mcp-ops status",
        needsProber: true,
    },
    {
        alert: "McpCertificateExpiringSoon",
        expr: 'certmanager_certificate_expiration_timestamp_seconds{namespace="$NS"} - time() < 14 * 24 * 3600',
        for: "1h",
        severity: "warning",
        summary: "Certificate {{ $labels.name }} expires within 14 days",
        description: "cert-manager has not renewed it; check the issuer, then force a renewal.",
        runbook: "certificate-renewal",
        command: "mcp-ops cert renew",
    },
    // The PostgreSQL alerts read postgres_exporter v0.17's names: pg_up, pg_settings_*, and pg_stat_activity_* (one
    // series per datname, state, usename, application_name, backend_type and wait event, so they are summed).
    {
        alert: "McpPostgresDown",
        expr: 'pg_up{namespace="$NS"} == 0',
        for: "2m",
        severity: "critical",
        summary: "postgres_exporter cannot reach PostgreSQL",
        description: "The exporter has failed to connect to PostgreSQL for 2 minutes; every service that calls it is failing.",
        runbook: "postgres-health",
        command: "mcp-ops postgres stats",
        needsPostgresExporter: true,
    },
    {
        alert: "McpPostgresConnectionsHigh",
        expr:
            'sum by (instance) (pg_stat_activity_count{namespace="$NS"}) / max by (instance) ' +
            '(pg_settings_max_connections{namespace="$NS"}) > 0.8',
        for: "5m",
        severity: "warning",
        summary: "PostgreSQL connections above 80% of max_connections",
        description:
            "{{ $value | humanizePercentage }} of max_connections in use for 5 minutes; new connections will soon be refused. " +
            "Look for sessions idle in a transaction, then for a pool sized above its share.",
        runbook: "postgres-health",
        command: "mcp-ops postgres stats && mcp-ops postgres connections --kill-idle 5m --preview",
        needsPostgresExporter: true,
    },
    {
        // The exporter gives the age of the oldest transaction per state, not the time since a session went idle.
        alert: "McpPostgresIdleInTransaction",
        expr: 'max by (datname) (pg_stat_activity_max_tx_duration{namespace="$NS", state=~"idle in transaction.*"}) > 300',
        for: "5m",
        severity: "warning",
        summary: "A session in {{ $labels.datname }} holds a transaction open and idle for more than 5 minutes",
        description:
            "Its transaction is {{ $value | humanizeDuration }} old and idle; it holds locks and stops vacuum from removing dead rows.",
        runbook: "postgres-health",
        command: "mcp-ops postgres connections --kill-idle 5m",
        needsPostgresExporter: true,
    },
    {
        // Reported by a server in recovery (0 on a primary): fires when the watched server is a replica.
        alert: "McpPostgresReplicationLag",
        expr: 'max by (instance) (pg_replication_lag_seconds{namespace="$NS"}) > 30',
        for: "5m",
        severity: "warning",
        summary: "The PostgreSQL replica is more than 30s behind its primary",
        description: "Replay lag {{ $value | humanizeDuration }} for 5 minutes; reads from it return stale data.",
        runbook: "postgres-health",
        command: "mcp-ops postgres stats",
        needsPostgresExporter: true,
    },
    // The Redis alerts read redis_exporter v1.78's names: redis_up, and redis_memory_used_bytes and redis_memory_max_bytes
    // (INFO's used_memory and maxmemory; maxmemory is 0 when Redis has no limit, which leaves no ratio to alert on).
    {
        alert: "McpRedisDown",
        expr: 'redis_up{namespace="$NS"} == 0',
        for: "2m",
        severity: "critical",
        summary: "redis_exporter cannot reach Redis",
        description: "The exporter has failed to connect or log in to Redis for 2 minutes; every service that calls it is failing.",
        runbook: "redis-health",
        command: "mcp-ops redis stats",
        needsRedisExporter: true,
    },
    {
        alert: "McpRedisMemoryHigh",
        expr:
            'max by (instance) (redis_memory_used_bytes{namespace="$NS"}) / max by (instance) ' +
            '(redis_memory_max_bytes{namespace="$NS"} > 0) > 0.9',
        for: "10m",
        severity: "warning",
        summary: "Redis uses more than 90% of its maxmemory",
        description:
            "{{ $value | humanizePercentage }} of maxmemory for 10 minutes: Redis evicts keys by its maxmemory-policy, or refuses " +
            "writes under noeviction. Find the largest keys and shorten their TTLs, or raise mcp:redis.maxmemory below the limit.",
        runbook: "cache-optimization",
        command: "mcp-ops redis stats",
        needsRedisExporter: true,
    },
    {
        alert: "McpBackupStale",
        expr: 'time() - max by (cronjob) (kube_cronjob_status_last_successful_time{namespace="$NS", cronjob=~".*-backup"}) > 26 * 3600',
        for: "15m",
        severity: "critical",
        summary: "No successful {{ $labels.cronjob }} for more than 26 hours",
        description: "The last successful backup is older than a day and a schedule's slack.",
        runbook: "backups",
        command: "mcp-ops backup now <redis|postgres>",
    },
    {
        alert: "McpBackupDrillFailed",
        // Three hours after its schedule (a drill's Job is killed after activeDeadlineSeconds) no run has
        // succeeded since; or no drill has succeeded for 35 days (a suspended or missing schedule).
        expr:
            `(time() - ${DRILL_SCHEDULED} > 3 * 3600) and on (cronjob) (${DRILL_SCHEDULED} > ${DRILL_PASSED} or ` +
            `${DRILL_SCHEDULED} unless ${DRILL_PASSED}) or time() - ${DRILL_PASSED} > 35 * 86400`,
        for: "5m",
        severity: "critical",
        summary: "The restore drill {{ $labels.cronjob }} has not passed",
        description:
            "The newest backup did not restore and verify in a scratch server at the last scheduled drill (or no drill has " +
            "passed for 35 days): the backups cannot be trusted until one does. The failed Job's log says why.",
        runbook: "restore-drill",
        command: "mcp-ops backup drill <redis|postgres>",
    },
];
