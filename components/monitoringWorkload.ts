import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { ANNOTATIONS, selectorLabels, TRUSTED_LABEL, workloadLabels } from "./labels";
import { declareMetricsEndpoint } from "./metricsEndpoint";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, SERVICE_UID, tmpMount, tmpVolume } from "./podSecurity";
import { workloadNetworkPolicy } from "./networkPolicy";
import { podPlacement } from "./placement";
import type { Placement } from "../config/placement";
import type { TrafficRules } from "./traffic";

export interface MonitoringWorkloadSpec {
    namespace: pulumi.Input<string>;
    /** Name of the Deployment, Service, ServiceMonitor, ServiceAccount and NetworkPolicy. */
    workload: string;
    role: string;
    /** Port of its "metrics" endpoint. */
    port: number;
    scrapeIntervalSeconds: number;
    /** Checksums of what the pods read at start (config, secrets): a change rolls them. */
    checksums: { config?: pulumi.Input<string>; secrets: pulumi.Input<string> };
    /** The one container, without what every monitoring container has (port, security context, /tmp). */
    container: k8s.types.input.core.v1.Container;
    volumes?: k8s.types.input.core.v1.Volume[];
    traffic: TrafficRules;
    placement?: Placement;
}

/**
 * A single-replica monitoring Deployment (the prober, the PostgreSQL and Redis exporters): token-less
 * ServiceAccount, restricted pods labelled trusted (monitoring goes on during a lockdown),
 * surge-only rollouts (the old pod serves metrics until the new one is ready), its metrics
 * Service and ServiceMonitor, and its NetworkPolicy, all children of `parent`.
 */
export function declareMonitoringWorkload(
    parent: pulumi.Resource,
    name: string,
    spec: MonitoringWorkloadSpec,
): { metadata: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> }; deploymentName: pulumi.Output<string> } {
    const labels = workloadLabels(spec.workload, spec.role);
    const selector = selectorLabels(spec.workload);
    const metadata = { name: spec.workload, namespace: spec.namespace, labels };
    const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata, automountServiceAccountToken: false }, { parent });
    const annotations: Record<string, pulumi.Input<string>> = { [ANNOTATIONS.secretsChecksum]: spec.checksums.secrets };
    if (spec.checksums.config !== undefined) annotations[ANNOTATIONS.configChecksum] = spec.checksums.config;
    const deployment = new k8s.apps.v1.Deployment(
        `${name}-deployment`,
        {
            metadata,
            spec: {
                replicas: 1,
                selector: { matchLabels: selector },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
                template: {
                    metadata: { labels: { ...labels, [TRUSTED_LABEL]: "true" }, annotations },
                    spec: {
                        serviceAccountName: serviceAccount.metadata.name,
                        automountServiceAccountToken: false,
                        securityContext: restrictedPodSecurityContext(SERVICE_UID),
                        ...podPlacement(spec.placement),
                        containers: [
                            {
                                ...spec.container,
                                ports: [{ name: "metrics", containerPort: spec.port, protocol: "TCP" }],
                                securityContext: restrictedContainerSecurityContext,
                                volumeMounts: [...((spec.container.volumeMounts as k8s.types.input.core.v1.VolumeMount[]) ?? []), tmpMount],
                            },
                        ],
                        volumes: [...(spec.volumes ?? []), tmpVolume],
                    },
                },
            },
        },
        { parent },
    );
    declareMetricsEndpoint(parent, name, { metadata, selector, port: spec.port, intervalSeconds: spec.scrapeIntervalSeconds });
    workloadNetworkPolicy(name, metadata, selector, spec.traffic, parent);
    return { metadata, deploymentName: deployment.metadata.name };
}
