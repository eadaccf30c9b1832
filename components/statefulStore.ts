import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Resources } from "../config/schema";
import { ANNOTATIONS, selectorLabels, workloadLabels } from "./labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, tmpMount, tmpVolume } from "./podSecurity";
import type { SecretRef } from "./secretRef";
import { workloadNetworkPolicy } from "./networkPolicy";
import { podPlacement } from "./placement";
import type { Placement } from "../config/placement";
import type { TrafficRules } from "./traffic";

/** What differs between the stores; everything else about running one is shared. */
export interface StatefulStoreSpec {
    namespace: pulumi.Input<string>;
    image: pulumi.Input<string>;
    port: number;
    /** The image's unprivileged user. */
    uid: number;
    /** Where the persistent volume is mounted. */
    dataPath: string;
    storage: string;
    storageClass?: string;
    resources: Resources;
    command?: pulumi.Input<string>[];
    args?: pulumi.Input<string>[];
    env: k8s.types.input.core.v1.EnvVar[];
    /** Exec probe command; it must not put a credential on the command line. */
    probeCommand: string[];
    /** Extra writable directories the image needs with a read-only root filesystem. */
    scratchPaths?: string[];
    /** The credential the store is started with; its checksum rolls the pod on rotation. */
    password: SecretRef;
    traffic: TrafficRules;
    placement?: Placement;
}

/**
 * Declares a single-replica StatefulSet with a persistent volume, a headless Service, a
 * ServiceAccount without token and a NetworkPolicy, all children of `parent`.
 * Returns the in-cluster host name.
 */
export function declareStatefulStore(parent: pulumi.Resource, name: string, spec: StatefulStoreSpec): pulumi.Output<string> {
    const labels = workloadLabels(name, "store");
    const selector = selectorLabels(name);
    const metadata = { name, namespace: spec.namespace, labels };
    const scratch = (spec.scratchPaths ?? []).map((path, i) => ({
        volume: { name: `scratch-${i}`, emptyDir: {} },
        mount: { name: `scratch-${i}`, mountPath: path },
    }));
    const probe = (periodSeconds: number, failureThreshold: number) => ({
        exec: { command: spec.probeCommand },
        periodSeconds,
        failureThreshold,
        timeoutSeconds: 5,
    });

    const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata, automountServiceAccountToken: false }, { parent });

    const service = new k8s.core.v1.Service(
        `${name}-service`,
        { metadata, spec: { clusterIP: "None", selector, ports: [{ name, port: spec.port, targetPort: spec.port, protocol: "TCP" }] } },
        { parent },
    );

    new k8s.apps.v1.StatefulSet(
        `${name}-statefulset`,
        {
            metadata,
            spec: {
                serviceName: service.metadata.name,
                replicas: 1,
                selector: { matchLabels: selector },
                template: {
                    metadata: { labels, annotations: { [ANNOTATIONS.secretsChecksum]: spec.password.checksum } },
                    spec: {
                        serviceAccountName: serviceAccount.metadata.name,
                        automountServiceAccountToken: false,
                        securityContext: restrictedPodSecurityContext(spec.uid),
                        ...podPlacement(spec.placement),
                        terminationGracePeriodSeconds: 60,
                        containers: [
                            {
                                name,
                                image: spec.image,
                                command: spec.command,
                                args: spec.args,
                                ports: [{ name, containerPort: spec.port, protocol: "TCP" }],
                                env: spec.env,
                                resources: spec.resources,
                                startupProbe: probe(5, 60),
                                readinessProbe: probe(10, 3),
                                livenessProbe: probe(20, 3),
                                securityContext: restrictedContainerSecurityContext,
                                volumeMounts: [{ name: "data", mountPath: spec.dataPath }, tmpMount, ...scratch.map((s) => s.mount)],
                            },
                        ],
                        volumes: [tmpVolume, ...scratch.map((s) => s.volume)],
                    },
                },
                volumeClaimTemplates: [
                    {
                        metadata: { name: "data", labels },
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            storageClassName: spec.storageClass,
                            resources: { requests: { storage: spec.storage } },
                        },
                    },
                ],
            },
        },
        { parent },
    );

    workloadNetworkPolicy(name, metadata, selector, spec.traffic, parent);

    return pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
}
