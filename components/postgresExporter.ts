import * as pulumi from "@pulumi/pulumi";
import type { Placement } from "../config/placement";
import type { PostgresConfig } from "../config/schema";
import { declareMonitoringWorkload } from "./monitoringWorkload";
import { httpProbe } from "./probes";
import { envFromSecret, type SecretRef } from "./secretRef";
import { POSTGRES_EXPORTER_PORT, POSTGRES_EXPORTER_WORKLOAD, type TrafficRules } from "./traffic";

export interface PostgresExporterArgs {
    namespace: pulumi.Input<string>;
    /** postgres_exporter's image, pinned. */
    image: string;
    /** The PostgreSQL to watch: in-cluster or external. */
    host: pulumi.Input<string>;
    port: number;
    database: string;
    user: string;
    password: SecretRef;
    sslMode: "disable" | "require";
    traffic: TrafficRules;
    /** nodeSelector and tolerations of its pod. Default none (anywhere). */
    placement?: Placement;
}

/** TLS to an external server that speaks it (no CA is configured to verify it against); the in-cluster server has none. */
export const sslModeOf = (config: PostgresConfig): PostgresExporterArgs["sslMode"] =>
    config.mode === "external" && config.external?.tls ? "require" : "disable";

/**
 * postgres_exporter for the platform's PostgreSQL, scraped through its ServiceMonitor. A Deployment
 * of its own rather than a sidecar: a change to it never restarts the database, and it watches an
 * external server the same way. Its pods are trusted, so PostgreSQL is still measured during a lockdown.
 */
export class PostgresExporter extends pulumi.ComponentResource {
    readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: PostgresExporterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp:observability:PostgresExporter", name, {}, opts);
        // The landing page, not /metrics: a probe of /metrics would query PostgreSQL, and a slow
        // database would take the exporter out of service just when its pg_up matters.
        const probe = (periodSeconds: number, failureThreshold?: number) => httpProbe("metrics", "/", periodSeconds, failureThreshold);
        const { deploymentName } = declareMonitoringWorkload(this, name, {
            namespace: args.namespace,
            workload: POSTGRES_EXPORTER_WORKLOAD,
            role: "metrics-exporter",
            port: POSTGRES_EXPORTER_PORT,
            scrapeIntervalSeconds: 30,
            // The password is read at start: a rotation rolls the exporter.
            checksums: { secrets: args.password.checksum },
            container: {
                name: "postgres-exporter",
                image: args.image,
                args: [`--web.listen-address=:${POSTGRES_EXPORTER_PORT}`],
                // The exporter joins these as postgresql://USER:PASS@URI, escaping the user and password; the
                // database name, which may hold any character PostgreSQL takes, is escaped here.
                env: [
                    {
                        name: "DATA_SOURCE_URI",
                        value: pulumi.interpolate`${args.host}:${args.port}/${encodeURIComponent(args.database)}?sslmode=${args.sslMode}`,
                    },
                    { name: "DATA_SOURCE_USER", value: args.user },
                    envFromSecret("DATA_SOURCE_PASS", args.password),
                ],
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
                startupProbe: probe(5, 12),
                readinessProbe: probe(10),
                livenessProbe: probe(20),
            },
            traffic: args.traffic,
            placement: args.placement,
        });

        this.deploymentName = deploymentName;
        this.registerOutputs({ deploymentName: this.deploymentName });
    }
}
