import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { HealthReport } from "./health";
import type { Status } from "./status";

const STATUSES: Status[] = ["HEALTHY", "DEGRADED", "UNHEALTHY"];
const DRIFT_KINDS = ["missing", "added", "changed"] as const;

/** The prober's metrics, named as the platform's alert rules read them; one instance per process. */
export class ProbeMetrics {
    readonly registry = new Registry();
    private readonly up = this.gauge("mcp_server_up", "1 when the check passed in the last round, by check (rest, mcp)", [
        "server",
        "check",
    ]);
    private readonly status = this.gauge("mcp_server_status", "1 for the server's combined status in the last round, 0 for the others", [
        "server",
        "status",
    ]);
    private readonly duration = new Histogram({
        name: "mcp_check_duration_seconds",
        help: "How long each check took, failed checks included (a timeout counts its full length)",
        labelNames: ["server", "check"],
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
        registers: [this.registry],
    });
    private readonly missing = this.gauge("mcp_server_expected_tools_missing", "Expected tools the server did not list", ["server"]);
    private readonly unexpected = this.gauge("mcp_server_unexpected_tools", "Listed tools that are not in the expected list", ["server"]);
    private readonly drift = this.gauge(
        "mcp_server_tool_catalog_drift",
        "Tools that differ from the reviewed lock, by kind (missing, added, changed); only for servers with a lock",
        ["server", "kind"],
    );
    private readonly protocol = this.gauge("mcp_server_protocol_version_info", "1 for the MCP protocol version the server agreed to", [
        "server",
        "version",
    ]);
    private readonly lastSuccess = this.gauge("mcp_server_last_success_timestamp_seconds", "When both checks of the server last passed", [
        "server",
    ]);
    private readonly componentUp = this.gauge(
        "mcp_component_up",
        "1 when the REST health check of a service that is not an MCP server (gateway, router) passed in the last round",
        ["component"],
    );
    private readonly rounds = new Counter({
        name: "mcp_probe_rounds_total",
        help: "Rounds of checks completed",
        registers: [this.registry],
    });
    private readonly protocolOf = new Map<string, string>();

    private gauge(name: string, help: string, labelNames: string[]): Gauge {
        return new Gauge({ name, help, labelNames, registers: [this.registry] });
    }

    /** Takes in one round's report. */
    record(report: HealthReport): void {
        const at = Date.parse(report.checkedAt) / 1000;
        for (const s of report.services) {
            const server = s.name;
            this.up.set({ server, check: "rest" }, s.rest.ok ? 1 : 0);
            this.up.set({ server, check: "mcp" }, s.mcp.ok ? 1 : 0);
            for (const status of STATUSES) this.status.set({ server, status }, s.status === status ? 1 : 0);
            this.duration.observe({ server, check: "rest" }, s.rest.latencyMs / 1000);
            this.duration.observe({ server, check: "mcp" }, s.mcp.latencyMs / 1000);
            if (s.mcp.ok) {
                this.missing.set({ server }, s.missingTools.length);
                this.unexpected.set({ server }, s.unexpectedTools.length);
            }
            if (s.catalog) for (const kind of DRIFT_KINDS) this.drift.set({ server, kind }, s.catalog[kind].length);
            if (s.mcp.protocolVersion) this.recordProtocol(server, s.mcp.protocolVersion);
            if (s.rest.ok && s.mcp.ok) this.lastSuccess.set({ server }, at);
        }
        for (const c of report.components ?? []) {
            this.componentUp.set({ component: c.name }, c.rest.ok ? 1 : 0);
            this.duration.observe({ server: c.name, check: "rest" }, c.rest.latencyMs / 1000);
        }
        this.rounds.inc();
    }

    /** One series per server: a new version replaces the old one rather than adding to it. */
    private recordProtocol(server: string, version: string): void {
        const before = this.protocolOf.get(server);
        if (before && before !== version) this.protocol.remove({ server, version: before });
        this.protocol.set({ server, version }, 1);
        this.protocolOf.set(server, version);
    }
}
