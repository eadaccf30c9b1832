import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Placement } from "../config/placement";
import { longestRoundMs, type ProbeConfig } from "../config/probeTargets";
import { checksum } from "./checksum";
import { workloadLabels } from "./labels";
import { declareMonitoringWorkload } from "./monitoringWorkload";
import { httpProbe } from "./probes";
import { envFromSecret, type SecretRef } from "./secretRef";
import { PROBER_METRICS_PORT, PROBER_WORKLOAD, type TrafficRules } from "./traffic";

export interface ProberArgs {
    namespace: pulumi.Input<string>;
    /** This project's mcp-ops image, pinned. */
    image: string;
    /** The servers to check and how: written to the prober's ConfigMap. */
    probe: ProbeConfig;
    /** Bearer tokens by the environment variable the targets name (`tokenEnv`). */
    tokens: Record<string, SecretRef>;
    traffic: TrafficRules;
    /** nodeSelector and tolerations of its pod. Default none (anywhere). */
    placement?: Placement;
}

const CONFIG_DIR = "/etc/mcp-prober";

const STARTUP_PERIOD_SECONDS = 5;
/** Two minutes to start, and at least a minute more than a first round where every server times out. */
const MIN_STARTUP_MS = 120_000;
const STARTUP_MARGIN_MS = 60_000;

/**
 * The startup probe's failure threshold: a prober is started once its first round has completed, and
 * a round of many unreachable servers takes a while (200 servers, 4 at a time, 5 s each: 250 s), so the
 * allowance grows with the fleet instead of restarting the prober before it ever finishes a round.
 */
export const startupChecks = (probe: ProbeConfig): number =>
    Math.ceil(Math.max(MIN_STARTUP_MS, longestRoundMs(probe) + STARTUP_MARGIN_MS) / (STARTUP_PERIOD_SECONDS * 1000));

/**
 * The platform's MCP-aware monitoring: `mcp-ops health --serve` in the cluster, checking every MCP
 * server's REST health and MCP tools/list (against the expected tools and the reviewed catalog) and
 * serving the results as Prometheus metrics, scraped through its ServiceMonitor. Its pods are
 * trusted, so monitoring goes on during a lockdown; a change of targets or tokens rolls them.
 */
export class Prober extends pulumi.ComponentResource {
    readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: ProberArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp:observability:Prober", name, {}, opts);
        const targets = { "targets.json": JSON.stringify(args.probe, null, 2) };
        const tokenChecksums = Object.values(args.tokens).map((ref) => ref.checksum);
        const probe = (path: string, periodSeconds: number, failureThreshold?: number) =>
            httpProbe("metrics", path, periodSeconds, failureThreshold);
        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-targets`,
            {
                metadata: {
                    name: `${PROBER_WORKLOAD}-targets`,
                    namespace: args.namespace,
                    labels: workloadLabels(PROBER_WORKLOAD, "prober"),
                },
                data: targets,
            },
            { parent: this },
        );
        const { deploymentName } = declareMonitoringWorkload(this, name, {
            namespace: args.namespace,
            workload: PROBER_WORKLOAD,
            role: "prober",
            port: PROBER_METRICS_PORT,
            scrapeIntervalSeconds: args.probe.intervalSeconds,
            checksums: { config: checksum(targets), secrets: pulumi.all(tokenChecksums).apply(checksum) },
            container: {
                name: "prober",
                image: args.image,
                command: ["mcp-ops"],
                args: ["health", "--serve", `0.0.0.0:${PROBER_METRICS_PORT}`, "--targets", `${CONFIG_DIR}/targets.json`],
                env: Object.entries(args.tokens).map(([envName, ref]) => envFromSecret(envName, ref)),
                resources: { requests: { cpu: "50m", memory: "96Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
                // Started and ready once a round of checks has completed; alive while it serves metrics.
                startupProbe: probe("/healthz", STARTUP_PERIOD_SECONDS, startupChecks(args.probe)),
                readinessProbe: probe("/healthz", 10),
                livenessProbe: probe("/metrics", 20),
                volumeMounts: [{ name: "targets", mountPath: CONFIG_DIR, readOnly: true }],
            },
            volumes: [{ name: "targets", configMap: { name: configMap.metadata.name } }],
            traffic: args.traffic,
            placement: args.placement,
        });

        this.deploymentName = deploymentName;
        this.registerOutputs({ deploymentName: this.deploymentName });
    }
}
