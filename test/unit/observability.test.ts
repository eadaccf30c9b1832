import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ALERT_RULES } from "../../components/alertRules";
import { deploy, editedConfig, K8S, stackConfig } from "../support/platform";

const RULE = K8S.customResource("monitoring.coreos.com/v1", "PrometheusRule");
const MONITOR = K8S.customResource("monitoring.coreos.com/v1", "ServiceMonitor");
const CERTIFICATE = K8S.customResource("cert-manager.io/v1", "Certificate");
const ISSUER = K8S.customResource("cert-manager.io/v1", "Issuer");

describe("alerts", () => {
    it("declares the runbooks' alerts with their thresholds", async () => {
        const d = await deploy(stackConfig("staging"));
        const rules = d.named(RULE, "alerts-rules").inputs.spec.groups[0].rules;
        const byName = Object.fromEntries(rules.map((r: any) => [r.alert, r]));
        expect(Object.keys(byName).sort()).toEqual([
            "McpBackupDrillFailed",
            "McpBackupStale",
            "McpCertificateExpiringSoon",
            "McpComponentDown",
            "McpCrashLooping",
            "McpDualMonitoringDegraded",
            "McpHighErrorRate",
            "McpHighLatencyP95",
            "McpHighLatencyP99",
            "McpHighMemory",
            "McpMemoryGrowing",
            "McpMetricsUnreachable",
            "McpOomKilled",
            "McpPostgresConnectionsHigh",
            "McpPostgresDown",
            "McpPostgresIdleInTransaction",
            "McpPostgresReplicationLag",
            "McpProberSilent",
            "McpRedisDown",
            "McpRedisMemoryHigh",
            "McpServerDown",
            "McpToolCatalogChanged",
            "McpToolsMissing",
            "McpVolumeFilling",
        ]);
        expect(byName.McpComponentDown).toMatchObject({ for: "2m", expr: expect.stringMatching(/mcp_component_up.* == 0$/) });
        expect(byName.McpHighErrorRate).toMatchObject({ for: "5m", expr: expect.stringMatching(/> 0\.05$/) });
        expect(byName.McpHighLatencyP95.expr).toMatch(/histogram_quantile\(0\.95, .*\) > 2$/);
        expect(byName.McpHighMemory.expr).toMatch(/> 0\.9$/);
        expect(byName.McpHighLatencyP99.expr).toMatch(/histogram_quantile\(0\.99, .*\) > 1$/);
        expect(byName.McpVolumeFilling.expr).toMatch(/> 0\.85$/);
        expect(byName.McpCertificateExpiringSoon.expr).toMatch(/< 14 \* 24 \* 3600$/);
        expect(byName.McpBackupStale.expr).toMatch(/> 26 \* 3600$/);
        expect(byName.McpBackupDrillFailed.expr).toMatch(/-backup-drill"}\) > 35 \* 86400$/);
        expect(byName.McpPostgresDown).toMatchObject({ for: "2m", expr: 'pg_up{namespace="mcp-staging"} == 0' });
        expect(byName.McpPostgresConnectionsHigh.expr).toMatch(/pg_stat_activity_count.* \/ .*pg_settings_max_connections.* > 0\.8$/);
        expect(byName.McpPostgresIdleInTransaction.expr).toMatch(/state=~"idle in transaction\.\*"}\) > 300$/);
        expect(byName.McpPostgresReplicationLag.expr).toMatch(/pg_replication_lag_seconds.* > 30$/);
        expect(byName.McpRedisDown).toMatchObject({
            for: "2m",
            labels: { severity: "critical" },
            expr: 'redis_up{namespace="mcp-staging"} == 0',
        });
        expect(byName.McpRedisMemoryHigh).toMatchObject({ for: "10m", labels: { severity: "warning" } });
        expect(byName.McpRedisMemoryHigh.expr).toMatch(/redis_memory_used_bytes.* \/ .*\(redis_memory_max_bytes\{.*\} > 0\) > 0\.9$/);
        for (const rule of rules) expect(rule.expr).toContain('namespace="mcp-staging"');
    });

    it("reads the prober's metrics only where the platform runs the prober", async () => {
        const alertsOf = async (edit: (raw: Record<string, any>) => void) =>
            (await deploy(editedConfig("local", edit))).named(RULE, "alerts-rules").inputs.spec.groups[0].rules.map((r: any) => r.alert);
        const withoutServers = await alertsOf((r) => {
            for (const s of Object.values(r.services) as any[]) s.tools = [];
        });
        expect(withoutServers).not.toContain("McpServerDown");
        expect(withoutServers).not.toContain("McpComponentDown");
        expect(withoutServers).not.toContain("McpProberSilent");
        expect(await alertsOf(() => undefined)).toContain("McpProberSilent");
    });

    it("reads postgres_exporter's metrics only where the exporter runs: for an in-cluster or external PostgreSQL", async () => {
        const postgresAlerts = (d: Awaited<ReturnType<typeof deploy>>) =>
            d
                .ofType(RULE)
                .flatMap((r) => r.inputs.spec.groups[0].rules.map((rule: any) => rule.alert))
                .filter((name: string) => name.startsWith("McpPostgres"));
        const exporters = (d: Awaited<ReturnType<typeof deploy>>) =>
            d.ofType(K8S.deployment).filter((r) => r.name === "postgres-exporter-deployment");
        const inCluster = await deploy(stackConfig("local"));
        expect(postgresAlerts(inCluster)).toHaveLength(4);
        expect(exporters(inCluster)).toHaveLength(1);

        const external = await deploy(
            editedConfig("staging", (r) => (r.postgres = { mode: "external", external: { host: "db.example.internal", port: 6432 } })),
            { postgresPassword: pulumi.output("external-password") },
        );
        expect(postgresAlerts(external)).toHaveLength(4);
        const env = exporters(external)[0].inputs.spec.template.spec.containers[0].env;
        expect(env[0]).toEqual({ name: "DATA_SOURCE_URI", value: "db.example.internal:6432/mcp?sslmode=require" });
        expect(env[2].valueFrom.secretKeyRef.name).toBe("postgres-password");

        const off = await deploy(editedConfig("local", (r) => (r.monitoring = { enabled: false })));
        expect(postgresAlerts(off)).toEqual([]);
        expect(exporters(off)).toEqual([]);
        expect(ALERT_RULES.filter((r) => r.alert.startsWith("McpPostgres")).every((r) => r.needsPostgresExporter)).toBe(true);
    });

    it("reads redis_exporter's metrics only where the exporter runs: for an in-cluster or external Redis", async () => {
        const redisAlerts = (d: Awaited<ReturnType<typeof deploy>>) =>
            d
                .ofType(RULE)
                .flatMap((r) => r.inputs.spec.groups[0].rules.map((rule: any) => rule.alert))
                .filter((name: string) => name.startsWith("McpRedis"));
        const exporters = (d: Awaited<ReturnType<typeof deploy>>) =>
            d.ofType(K8S.deployment).filter((r) => r.name === "redis-exporter-deployment");
        const inCluster = await deploy(stackConfig("local"));
        expect(redisAlerts(inCluster)).toEqual(["McpRedisDown", "McpRedisMemoryHigh"]);
        expect(exporters(inCluster)).toHaveLength(1);

        const external = await deploy(
            editedConfig("staging", (r) => (r.redis = { mode: "external", external: { host: "cache.example.internal", port: 6380 } })),
            { redisPassword: pulumi.output("external-password") },
        );
        expect(redisAlerts(external)).toHaveLength(2);
        const env = exporters(external)[0].inputs.spec.template.spec.containers[0].env;
        expect(env[0]).toEqual({ name: "REDIS_ADDR", value: "rediss://cache.example.internal:6380" });
        expect(env[1].valueFrom.secretKeyRef.name).toBe("redis-password");

        const off = await deploy(editedConfig("local", (r) => (r.monitoring = { enabled: false })));
        expect(redisAlerts(off)).toEqual([]);
        expect(exporters(off)).toEqual([]);
        expect(ALERT_RULES.filter((r) => r.alert.startsWith("McpRedis")).every((r) => r.needsRedisExporter)).toBe(true);
    });

    it("links every alert to its runbook entry and names the command to run", async () => {
        const d = await deploy(stackConfig("production"));
        for (const rule of d.named(RULE, "alerts-rules").inputs.spec.groups[0].rules) {
            expect(rule.annotations.runbook_url, rule.alert).toMatch(/^https:\/\/mcp\.example\.com\/docs\/runbook\.md#[a-z-]+$/);
            expect(rule.annotations.command, rule.alert).toMatch(/^mcp-ops /);
            expect(["critical", "warning"]).toContain(rule.labels.severity);
        }
        expect(ALERT_RULES.length).toBe(24);
    });

    it("scrapes exactly the services that expose a metrics port, the prober and the two exporters", async () => {
        const d = await deploy(stackConfig("local"));
        expect(
            d
                .ofType(MONITOR)
                .map((m) => m.inputs.metadata.name)
                .sort(),
        ).toEqual(["gateway", "mcp-prober", "postgres-exporter", "redis-exporter", "router"]);
    });

    it("can be switched off where the Prometheus operator is absent", async () => {
        const d = await deploy(editedConfig("local", (r) => (r.monitoring = { enabled: false })));
        expect([...d.ofType(RULE), ...d.ofType(MONITOR)]).toEqual([]);
        expect(d.named(K8S.networkPolicy, "gateway-netpol").inputs.spec.ingress.some((rule: any) => rule.ports[0].port === 9090)).toBe(
            false,
        );
    });
});

describe("the gateway certificate", () => {
    it("uses a self-signed issuer locally and renews before expiry with a fresh key", async () => {
        const d = await deploy(stackConfig("local"));
        expect(d.ofType(ISSUER).map((i) => i.inputs.spec)).toEqual([{ selfSigned: {} }]);
        const cert = d.named(CERTIFICATE, "gateway-tls-certificate").inputs.spec;
        expect(cert).toMatchObject({
            secretName: "gateway-tls",
            dnsNames: ["gateway.mcp-system.svc.cluster.local"],
            duration: "2160h",
            renewBefore: "360h",
            privateKey: { rotationPolicy: "Always" },
            issuerRef: { kind: "Issuer", name: "gateway-tls-selfsigned" },
        });
    });

    it("issues staging certificates from a private CA bootstrapped from a self-signed root", async () => {
        const d = await deploy(stackConfig("staging"));
        expect(
            d
                .ofType(ISSUER)
                .map((i) => Object.keys(i.inputs.spec)[0])
                .sort(),
        ).toEqual(["ca", "selfSigned"]);
        expect(d.named(CERTIFICATE, "gateway-tls-ca-certificate").inputs.spec).toMatchObject({ isCA: true, secretName: "gateway-tls-ca" });
        expect(d.named(CERTIFICATE, "gateway-tls-certificate").inputs.spec.issuerRef.name).toBe("gateway-tls-ca");
    });

    it("uses ACME in production", async () => {
        const d = await deploy(stackConfig("production"));
        const [issuer] = d.ofType(ISSUER);
        expect(issuer.inputs.spec.acme).toMatchObject({
            email: "platform-oncall@example.com",
            solvers: [{ http01: { ingress: { ingressClassName: "nginx" } } }],
        });
    });
});
