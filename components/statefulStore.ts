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
import { declareStoreCredentials, type StoreCredentialsArgs } from "./storeCredentials";

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
    /** The store's credential. The store takes a rotation live: its pod never rolls for one. */
    password: SecretRef;
    /** How the credentials Job reaches the store and where it runs. */
    credentials: Omit<StoreCredentialsArgs, "namespace" | "host" | "port" | "password" | "placement">;
    traffic: TrafficRules;
    placement?: Placement;
}

/** A declared store: where it answers, and the Job its consumers wait for before they use a new credential. */
export interface DeclaredStore {
    host: pulumi.Output<string>;
    credentialsApplied: pulumi.Resource;
}

/**
 * Before rotations had phases, a rotation restarted the store through this annotation; a single
 * replica restarting fails every request meanwhile. It is no longer declared, and ignored where an
 * older update wrote it, so upgrading does not restart the store either.
 */
const FORMER_SECRETS_ANNOTATION = `spec.template.metadata.annotations["${ANNOTATIONS.secretsChecksum}"]`;

/**
 * Declares a single-replica StatefulSet with a persistent volume, a headless Service, a
 * ServiceAccount without token, a NetworkPolicy and the Job that applies its credentials, all
 * children of `parent`.
 */
export function declareStatefulStore(parent: pulumi.Resource, name: string, spec: StatefulStoreSpec): DeclaredStore {
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

    const statefulSet = new k8s.apps.v1.StatefulSet(
        `${name}-statefulset`,
        {
            metadata,
            spec: {
                serviceName: service.metadata.name,
                replicas: 1,
                selector: { matchLabels: selector },
                template: {
                    metadata: { labels },
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
        { parent, ignoreChanges: [FORMER_SECRETS_ANNOTATION] },
    );

    workloadNetworkPolicy(name, metadata, selector, spec.traffic, parent);

    const host = pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
    const credentialsApplied = declareStoreCredentials(
        `${name}-credentials`,
        { ...spec.credentials, namespace: spec.namespace, host, port: spec.port, password: spec.password, placement: spec.placement },
        { parent, dependsOn: [statefulSet] },
    );
    return { host, credentialsApplied };
}
