import * as pulumi from "@pulumi/pulumi";
import type { Placement } from "../config/placement";
import type { RedisConfig } from "../config/schema";
import { declareMonitoringWorkload } from "./monitoringWorkload";
import { httpProbe } from "./probes";
import { envFromSecret, type SecretRef } from "./secretRef";
import { REDIS_EXPORTER_PORT, REDIS_EXPORTER_WORKLOAD, type TrafficRules } from "./traffic";

export interface RedisExporterArgs {
    namespace: pulumi.Input<string>;
    /** redis_exporter's image, pinned. */
    image: string;
    /** The Redis to watch: in-cluster or external. */
    host: pulumi.Input<string>;
    port: number;
    password: SecretRef;
    /** "rediss" speaks TLS, verified against the image's CA certificates. */
    scheme: "redis" | "rediss";
    traffic: TrafficRules;
    /** nodeSelector and tolerations of its pod. Default none (anywhere). */
    placement?: Placement;
}

/** TLS to an external server that speaks it; the in-cluster server has none. */
export const redisSchemeOf = (config: RedisConfig): RedisExporterArgs["scheme"] =>
    config.mode === "external" && config.external?.tls ? "rediss" : "redis";

/**
 * redis_exporter for the platform's Redis, scraped through its ServiceMonitor. A Deployment of its
 * own rather than a sidecar: a change to it never restarts the store, and it watches an external
 * server the same way. Its pods are trusted, so Redis is still measured during a lockdown.
 */
export class RedisExporter extends pulumi.ComponentResource {
    readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: RedisExporterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp:observability:RedisExporter", name, {}, opts);
        // /health answers without asking Redis: a probe of /metrics would, and a slow or full Redis
        // would take the exporter out of service just when its redis_up matters.
        const probe = (periodSeconds: number, failureThreshold?: number) =>
            httpProbe("metrics", "/health", periodSeconds, failureThreshold);
        const { deploymentName } = declareMonitoringWorkload(this, name, {
            namespace: args.namespace,
            workload: REDIS_EXPORTER_WORKLOAD,
            role: "metrics-exporter",
            port: REDIS_EXPORTER_PORT,
            scrapeIntervalSeconds: 30,
            // The password is read at start: a rotation rolls the exporter.
            checksums: { secrets: args.password.checksum },
            container: {
                name: "redis-exporter",
                image: args.image,
                args: [`--web.listen-address=:${REDIS_EXPORTER_PORT}`],
                // It logs in as Redis's default user, whose password is the rotated secret's value in use.
                env: [
                    { name: "REDIS_ADDR", value: pulumi.interpolate`${args.scheme}://${args.host}:${args.port}` },
                    envFromSecret("REDIS_PASSWORD", args.password),
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
