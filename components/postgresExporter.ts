import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PostgresConfig } from "../config/schema";
import { declareMetricsEndpoint } from "./metricsEndpoint";
import { httpProbe } from "./probes";
import { ANNOTATIONS, selectorLabels, TRUSTED_LABEL, workloadLabels } from "./labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, SERVICE_UID, tmpMount, tmpVolume } from "./podSecurity";
import { envFromSecret, type SecretRef } from "./secretRef";
import { POSTGRES_EXPORTER_PORT, POSTGRES_EXPORTER_WORKLOAD, type TrafficRules, workloadNetworkPolicy } from "./traffic";

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
        const labels = workloadLabels(POSTGRES_EXPORTER_WORKLOAD, "metrics-exporter");
        const selector = selectorLabels(POSTGRES_EXPORTER_WORKLOAD);
        const metadata = { name: POSTGRES_EXPORTER_WORKLOAD, namespace: args.namespace, labels };

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            { metadata, automountServiceAccountToken: false },
            { parent: this },
        );
        // The landing page, not /metrics: a probe of /metrics would query PostgreSQL, and a slow
        // database would take the exporter out of service just when its pg_up matters.
        const probe = (periodSeconds: number, failureThreshold?: number) => httpProbe("metrics", "/", periodSeconds, failureThreshold);

        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata,
                spec: {
                    replicas: 1,
                    selector: { matchLabels: selector },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
                    template: {
                        metadata: {
                            labels: { ...labels, [TRUSTED_LABEL]: "true" },
                            // The password is read at start: a rotation rolls the exporter.
                            annotations: { [ANNOTATIONS.secretsChecksum]: args.password.checksum },
                        },
                        spec: {
                            serviceAccountName: serviceAccount.metadata.name,
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(SERVICE_UID),
                            containers: [
                                {
                                    name: "postgres-exporter",
                                    image: args.image,
                                    args: [`--web.listen-address=:${POSTGRES_EXPORTER_PORT}`],
                                    ports: [{ name: "metrics", containerPort: POSTGRES_EXPORTER_PORT, protocol: "TCP" }],
                                    // The exporter joins these as postgresql://USER:PASS@URI, escaping the password.
                                    env: [
                                        {
                                            name: "DATA_SOURCE_URI",
                                            value: pulumi.interpolate`${args.host}:${args.port}/${args.database}?sslmode=${args.sslMode}`,
                                        },
                                        { name: "DATA_SOURCE_USER", value: args.user },
                                        envFromSecret("DATA_SOURCE_PASS", args.password),
                                    ],
                                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
                                    startupProbe: probe(5, 12),
                                    readinessProbe: probe(10),
                                    livenessProbe: probe(20),
                                    securityContext: restrictedContainerSecurityContext,
                                    volumeMounts: [tmpMount],
                                },
                            ],
                            volumes: [tmpVolume],
                        },
                    },
                },
            },
            { parent: this },
        );

        declareMetricsEndpoint(this, name, { metadata, selector, port: POSTGRES_EXPORTER_PORT, intervalSeconds: 30 });
        workloadNetworkPolicy(name, metadata, selector, args.traffic, this);

        this.deploymentName = deployment.metadata.name;
        this.registerOutputs({ deploymentName: this.deploymentName });
    }
}
