import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ProbeConfig } from "../config/probeTargets";
import { checksum } from "./checksum";
import { declareMetricsEndpoint } from "./metricsEndpoint";
import { httpProbe } from "./probes";
import { ANNOTATIONS, selectorLabels, TRUSTED_LABEL, workloadLabels } from "./labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, SERVICE_UID, tmpMount, tmpVolume } from "./podSecurity";
import { envFromSecret, type SecretRef } from "./secretRef";
import { PROBER_METRICS_PORT, PROBER_WORKLOAD, type TrafficRules, workloadNetworkPolicy } from "./traffic";

export interface ProberArgs {
    namespace: pulumi.Input<string>;
    /** This project's mcp-ops image, pinned. */
    image: string;
    /** The servers to check and how: written to the prober's ConfigMap. */
    probe: ProbeConfig;
    /** Bearer tokens by the environment variable the targets name (`tokenEnv`). */
    tokens: Record<string, SecretRef>;
    traffic: TrafficRules;
}

const CONFIG_DIR = "/etc/mcp-prober";

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
        const labels = workloadLabels(PROBER_WORKLOAD, "prober");
        const selector = selectorLabels(PROBER_WORKLOAD);
        const metadata = { name: PROBER_WORKLOAD, namespace: args.namespace, labels };
        const targets = { "targets.json": JSON.stringify(args.probe, null, 2) };

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            { metadata, automountServiceAccountToken: false },
            { parent: this },
        );
        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-targets`,
            { metadata: { ...metadata, name: `${PROBER_WORKLOAD}-targets` }, data: targets },
            { parent: this },
        );
        const tokenChecksums = Object.values(args.tokens).map((ref) => ref.checksum);
        const probe = (path: string, periodSeconds: number, failureThreshold?: number) =>
            httpProbe("metrics", path, periodSeconds, failureThreshold);

        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata,
                spec: {
                    replicas: 1,
                    selector: { matchLabels: selector },
                    // Surge only: the old prober serves metrics until the new one is ready.
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
                    template: {
                        metadata: {
                            labels: { ...labels, [TRUSTED_LABEL]: "true" },
                            annotations: {
                                [ANNOTATIONS.configChecksum]: checksum(targets),
                                [ANNOTATIONS.secretsChecksum]: pulumi.all(tokenChecksums).apply(checksum),
                            },
                        },
                        spec: {
                            serviceAccountName: serviceAccount.metadata.name,
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(SERVICE_UID),
                            containers: [
                                {
                                    name: "prober",
                                    image: args.image,
                                    command: ["mcp-ops"],
                                    args: [
                                        "health",
                                        "--serve",
                                        `0.0.0.0:${PROBER_METRICS_PORT}`,
                                        "--targets",
                                        `${CONFIG_DIR}/targets.json`,
                                    ],
                                    ports: [{ name: "metrics", containerPort: PROBER_METRICS_PORT, protocol: "TCP" }],
                                    env: Object.entries(args.tokens).map(([envName, ref]) => envFromSecret(envName, ref)),
                                    resources: { requests: { cpu: "50m", memory: "96Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
                                    // Started and ready once a round of checks has completed; alive while it serves metrics.
                                    startupProbe: probe("/healthz", 5, 24),
                                    readinessProbe: probe("/healthz", 10),
                                    livenessProbe: probe("/metrics", 20),
                                    securityContext: restrictedContainerSecurityContext,
                                    volumeMounts: [{ name: "targets", mountPath: CONFIG_DIR, readOnly: true }, tmpMount],
                                },
                            ],
                            volumes: [{ name: "targets", configMap: { name: configMap.metadata.name } }, tmpVolume],
                        },
                    },
                },
            },
            { parent: this },
        );

        declareMetricsEndpoint(this, name, { metadata, selector, port: PROBER_METRICS_PORT, intervalSeconds: args.probe.intervalSeconds });
        workloadNetworkPolicy(name, metadata, selector, args.traffic, this);

        this.deploymentName = deployment.metadata.name;
        this.registerOutputs({ deploymentName: this.deploymentName });
    }
}
