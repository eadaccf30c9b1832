import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StoreName } from "../config/schema";
import { alsoAccepted, type Generations } from "../platform/credentialGenerations";
import { selectorLabels, TRUSTED_LABEL, workloadLabels } from "./labels";
import { workloadNetworkPolicy } from "./networkPolicy";
import { podPlacement } from "./placement";
import type { Placement } from "../config/placement";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, SERVICE_UID, tmpMount, tmpVolume } from "./podSecurity";
import { envFromSecret, SECRET_KEYS, type SecretRef } from "./secretRef";
import { credentialsWorkload, type TrafficRules } from "./traffic";

export interface StoreCredentialsArgs {
    namespace: pulumi.Input<string>;
    store: StoreName;
    host: pulumi.Input<string>;
    port: number;
    /** The mcp-ops image, which runs `mcp-ops credentials apply`. */
    image: pulumi.Input<string>;
    password: SecretRef;
    generations: Generations;
    /** PostgreSQL: the owner role and the database to log in to. */
    postgres?: { owner: string; database: string };
    traffic: TrafficRules;
    placement?: Placement;
}

/**
 * A Job that makes the running store accept exactly the values its Secret holds, run whenever
 * they change (its spec names the generations, so each stage of a rotation is a new Job the update
 * waits for). The store's consumers depend on it: none rolls to a value the store does not take yet.
 * The image's initialisation is not enough: it reads a password only into an empty data directory.
 */
export function declareStoreCredentials(name: string, args: StoreCredentialsArgs, opts: pulumi.CustomResourceOptions): k8s.batch.v1.Job {
    const workload = credentialsWorkload(args.store);
    const labels = workloadLabels(workload, "credentials");
    const metadata = { namespace: args.namespace, labels };
    const { inUse } = args.generations;
    const also = alsoAccepted(args.generations);
    const command = pulumi
        .output(args.host)
        .apply((host) => [
            "mcp-ops",
            "credentials",
            "apply",
            args.store,
            "--host",
            host,
            "--port",
            String(args.port),
            "--in-use",
            String(inUse),
            "--also",
            String(also),
            ...(args.postgres ? ["--owner", args.postgres.owner, "--database", args.postgres.database] : []),
        ]);

    workloadNetworkPolicy(name, { ...metadata, name: workload }, selectorLabels(workload), args.traffic, opts.parent!);

    return new k8s.batch.v1.Job(
        name,
        {
            // No name: each stage's Job is a new object (a Job's template cannot change), named by the provider.
            metadata,
            spec: {
                backoffLimit: 3,
                activeDeadlineSeconds: 600,
                template: {
                    // Trusted during a lockdown: a breach is when credentials are rotated, and the Job's own
                    // egress policy still lets it reach its store and nothing else.
                    metadata: { labels: { ...labels, [TRUSTED_LABEL]: "true" } },
                    spec: {
                        restartPolicy: "Never",
                        automountServiceAccountToken: false,
                        securityContext: restrictedPodSecurityContext(SERVICE_UID),
                        ...podPlacement(args.placement),
                        containers: [
                            {
                                name: "apply",
                                image: args.image,
                                command,
                                env: [
                                    envFromSecret("CREDENTIAL", args.password),
                                    envFromSecret("CREDENTIAL_ALSO", args.password, SECRET_KEYS.alsoAccepted),
                                    { name: "HOME", value: "/tmp" },
                                ],
                                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                                securityContext: restrictedContainerSecurityContext,
                                volumeMounts: [tmpMount],
                            },
                        ],
                        volumes: [tmpVolume],
                    },
                },
            },
        },
        opts,
    );
}
