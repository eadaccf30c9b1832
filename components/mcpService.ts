import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Resources } from "../config/schema";
import { checksum } from "./checksum";
import { httpProbe } from "./probes";
import { ANNOTATIONS, selectorLabels, workloadLabels } from "./labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, SERVICE_UID, tmpMount, tmpVolume } from "./podSecurity";
import { envFromSecret, keySetEnv, type SecretRef } from "./secretRef";
import { workloadNetworkPolicy } from "./networkPolicy";
import { podPlacement } from "./placement";
import type { Placement } from "../config/placement";
import type { TrafficRules } from "./traffic";

export interface Autoscaling {
    minReplicas: number;
    maxReplicas: number;
    /** CPU utilisation target, percent of requests. */
    targetCpuUtilization: number;
    /** Memory utilisation target, percent of requests; unset means CPU only. */
    targetMemoryUtilization?: number;
    /** Seconds the HPA waits before scaling down. */
    scaleDownStabilizationSeconds: number;
}

export interface McpServiceArgs {
    namespace: pulumi.Input<string>;
    /** "gateway", "router" or "mcp-server"; becomes the component label. */
    role: string;
    /** Pinned image. */
    image: pulumi.Input<string>;
    port: number;
    /** Port serving Prometheus metrics. Default none. */
    metricsPort?: number;
    /**
     * Fixed replica count, used when `autoscaling` is unset. Default 1. Plain (not an Input)
     * because it decides whether a PodDisruptionBudget exists.
     */
    replicas?: number;
    /** When set, an HPA owns the replica count and the Deployment declares none. */
    autoscaling?: Autoscaling;
    resources: Resources;
    /** Liveness and startup probe path. Default "/health". */
    healthPath?: string;
    /** Readiness probe path. Default `healthPath`. */
    readinessPath?: string;
    /** Plain environment. Default none. */
    env?: Record<string, pulumi.Input<string>>;
    /**
     * Environment from secrets: NAME holds the value in use, NAME_ID its key id and NAME_SET every
     * accepted value with its id (a verifier of signatures accepts them all while a rotation is under
     * way). The pods roll whenever one of these changes. Default none.
     */
    secretEnv?: Record<string, SecretRef>;
    /** Passwords of the stores it calls, by environment variable: the pods roll when the password in use changes. Default none. */
    storePasswords?: Record<string, SecretRef>;
    /** Tuning written to the service's ConfigMap and mounted as environment. */
    tuning: Record<string, string>;
    /** Bumping it rolls the pods and changes nothing else. Default 0. */
    restartEpoch?: number;
    /** NetworkPolicy rules for this service's pods. */
    traffic: TrafficRules;
    /** Secret holding a TLS certificate, mounted read-only at /etc/mcp/tls. Default none. */
    tlsSecretName?: pulumi.Input<string>;
    /** nodeSelector and tolerations of its pods. Default none (anywhere). */
    placement?: Placement;
}

/** A TLS certificate's mount point inside the container. */
export const TLS_MOUNT_PATH = "/etc/mcp/tls";

/** Replica ownership: the HPA when there is one, else the config. */
export function replicaPlan(args: Pick<McpServiceArgs, "replicas" | "autoscaling">): { replicas?: number; minimum: number } {
    if (args.autoscaling) return { replicas: undefined, minimum: args.autoscaling.minReplicas };
    const replicas = args.replicas ?? 1;
    return { replicas, minimum: replicas };
}

/** A service's in-cluster URL. */
export function serviceUrl(name: pulumi.Input<string>, namespace: pulumi.Input<string>, port: number): pulumi.Output<string> {
    return pulumi.interpolate`http://${name}.${namespace}.svc.cluster.local:${port}`;
}

/**
 * One platform service (gateway, router or an MCP server): its ServiceAccount, tuning
 * ConfigMap, Deployment, Service, HPA, PodDisruptionBudget and NetworkPolicy. Object names in
 * the cluster are the service's name, which the runbooks and ops commands refer to.
 */
export class McpService extends pulumi.ComponentResource {
    readonly deploymentName: pulumi.Output<string>;
    readonly serviceName: pulumi.Output<string>;
    /** In-cluster URL, e.g. http://router.mcp-system.svc.cluster.local:9091. */
    readonly url: pulumi.Output<string>;

    constructor(name: string, args: McpServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp:service:McpService", name, {}, opts);
        const healthPath = args.healthPath ?? "/health";
        const readinessPath = args.readinessPath ?? healthPath;
        const secretEnv = args.secretEnv ?? {};
        const restartEpoch = args.restartEpoch ?? 0;
        const { replicas, minimum } = replicaPlan(args);
        const labels = workloadLabels(name, args.role);
        const selector = selectorLabels(name);
        const metadata = { name, namespace: args.namespace, labels };

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            { metadata, automountServiceAccountToken: false },
            { parent: this },
        );

        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            { metadata: { ...metadata, name: `${name}-config` }, data: args.tuning },
            { parent: this },
        );

        const storePasswords = args.storePasswords ?? {};
        const secretChecksums = [
            ...Object.values(secretEnv).map((ref) => ref.keySetChecksum),
            ...Object.values(storePasswords).map((ref) => ref.checksum),
        ];
        const ports = [{ name: "http", containerPort: args.port, protocol: "TCP" }];
        if (args.metricsPort !== undefined) ports.push({ name: "metrics", containerPort: args.metricsPort, protocol: "TCP" });
        const volumes: k8s.types.input.core.v1.Volume[] = [tmpVolume];
        const volumeMounts: k8s.types.input.core.v1.VolumeMount[] = [tmpMount];
        if (args.tlsSecretName !== undefined) {
            volumes.push({ name: "tls", secret: { secretName: args.tlsSecretName } });
            volumeMounts.push({ name: "tls", mountPath: TLS_MOUNT_PATH, readOnly: true });
        }
        const probe = (path: string, periodSeconds: number, failureThreshold: number) =>
            httpProbe("http", path, periodSeconds, failureThreshold);

        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata,
                spec: {
                    replicas,
                    selector: { matchLabels: selector },
                    // Surge only: capacity never drops below the desired count during a roll.
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
                    template: {
                        metadata: {
                            labels,
                            annotations: {
                                [ANNOTATIONS.configChecksum]: checksum(args.tuning),
                                [ANNOTATIONS.secretsChecksum]: pulumi.all(secretChecksums).apply(checksum),
                                [ANNOTATIONS.restartEpoch]: String(restartEpoch),
                            },
                        },
                        spec: {
                            serviceAccountName: serviceAccount.metadata.name,
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(SERVICE_UID),
                            ...podPlacement(args.placement),
                            topologySpreadConstraints: [
                                {
                                    maxSkew: 1,
                                    topologyKey: "kubernetes.io/hostname",
                                    whenUnsatisfiable: "ScheduleAnyway",
                                    labelSelector: { matchLabels: selector },
                                },
                                {
                                    maxSkew: 1,
                                    topologyKey: "topology.kubernetes.io/zone",
                                    whenUnsatisfiable: "ScheduleAnyway",
                                    labelSelector: { matchLabels: selector },
                                },
                            ],
                            containers: [
                                {
                                    name,
                                    image: args.image,
                                    ports,
                                    envFrom: [{ configMapRef: { name: configMap.metadata.name } }],
                                    env: [
                                        ...Object.entries(args.env ?? {}).map(([envName, value]) => ({ name: envName, value })),
                                        ...Object.entries(secretEnv).flatMap(([envName, ref]) => keySetEnv(envName, ref)),
                                        ...Object.entries(storePasswords).map(([envName, ref]) => envFromSecret(envName, ref)),
                                    ],
                                    resources: args.resources,
                                    startupProbe: probe(healthPath, 2, 30),
                                    readinessProbe: probe(readinessPath, 5, 3),
                                    livenessProbe: probe(healthPath, 10, 3),
                                    securityContext: restrictedContainerSecurityContext,
                                    volumeMounts,
                                },
                            ],
                            volumes,
                        },
                    },
                },
            },
            { parent: this },
        );

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata,
                spec: {
                    selector,
                    ports: ports.map((p) => ({ name: p.name, port: p.containerPort, targetPort: p.name, protocol: "TCP" })),
                },
            },
            { parent: this },
        );

        if (args.autoscaling) {
            const a = args.autoscaling;
            const metrics: k8s.types.input.autoscaling.v2.MetricSpec[] = [
                {
                    type: "Resource",
                    resource: { name: "cpu", target: { type: "Utilization", averageUtilization: a.targetCpuUtilization } },
                },
            ];
            if (a.targetMemoryUtilization !== undefined) {
                metrics.push({
                    type: "Resource",
                    resource: { name: "memory", target: { type: "Utilization", averageUtilization: a.targetMemoryUtilization } },
                });
            }
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                {
                    metadata,
                    spec: {
                        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
                        minReplicas: a.minReplicas,
                        maxReplicas: a.maxReplicas,
                        metrics,
                        behavior: { scaleDown: { stabilizationWindowSeconds: a.scaleDownStabilizationSeconds } },
                    },
                },
                { parent: this },
            );
        }

        if (minimum > 1) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-pdb`,
                { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
                { parent: this },
            );
        }

        workloadNetworkPolicy(name, metadata, selector, args.traffic, this);

        this.deploymentName = deployment.metadata.name;
        this.serviceName = service.metadata.name;
        this.url = serviceUrl(service.metadata.name, service.metadata.namespace, args.port);
        this.registerOutputs({ deploymentName: this.deploymentName, serviceName: this.serviceName, url: this.url });
    }
}
