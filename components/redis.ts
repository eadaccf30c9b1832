import * as pulumi from "@pulumi/pulumi";
import type { RedisConfig } from "../config/schema";
import type { Generations } from "../platform/credentialGenerations";
import { envFromSecret, SECRET_KEYS, type SecretRef } from "./secretRef";
import { declareStatefulStore } from "./statefulStore";
import { STORE_PORTS, type TrafficRules } from "./traffic";

export interface RedisArgs {
    namespace: pulumi.Input<string>;
    /** The validated `mcp:redis` config. */
    config: RedisConfig;
    /** Password the server requires (and consumers present). */
    password: SecretRef;
    traffic: TrafficRules;
    /** The rotation state of the password and the image of its credentials Job. */
    credentials: { image: pulumi.Input<string>; generations: Generations; traffic: TrafficRules };
}

/** The Redis image's "redis" user: the alpine image's, and the local image's (images/catalog.ts). */
export const REDIS_UID = 999;

/** The ACL user the probes log in as: it may PING and nothing else, and needs no password. */
const PROBE_USER = "probe";

/**
 * Redis: an in-cluster StatefulSet with a persistent volume and a required password, or an
 * external endpoint (a managed service) when `config.mode` is "external".
 */
export class Redis extends pulumi.ComponentResource {
    readonly host: pulumi.Output<string>;
    readonly port: number;
    /** Consumers depend on it: the store takes a new password before anyone uses it. Absent for an external store. */
    readonly credentialsApplied?: pulumi.Resource;

    constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp:data:Redis", name, {}, opts);
        const config = args.config;
        if (config.mode === "external" && config.external) {
            this.host = pulumi.output(config.external.host);
            this.port = config.external.port;
        } else {
            this.port = STORE_PORTS.redis;
            const store = declareStatefulStore(this, name, {
                namespace: args.namespace,
                image: config.image,
                port: this.port,
                uid: REDIS_UID,
                dataPath: "/data",
                storage: config.storage,
                storageClass: config.storageClass,
                resources: config.resources,
                command: ["redis-server"],
                // $(…) is expanded by the kubelet, so no value appears in the spec. The default user takes
                // both values its Secret holds (the same one twice outside a rotation): restarted mid-rotation,
                // Redis accepts what its clients hold. The credentials Job changes them live.
                args: [
                    "--user",
                    "default",
                    "on",
                    ">$(REDIS_PASSWORD)",
                    ">$(REDIS_PASSWORD_ALSO)",
                    "~*",
                    "&*",
                    "+@all",
                    // The probes' user: PING and nothing else, so a probe needs no password that a rotation retires.
                    "--user",
                    PROBE_USER,
                    "on",
                    "nopass",
                    "-@all",
                    "+ping",
                    "--dir",
                    "/data",
                    "--maxmemory",
                    config.maxmemory,
                    "--maxmemory-policy",
                    config.maxmemoryPolicy,
                    "--appendonly",
                    config.appendonly ? "yes" : "no",
                ],
                env: [
                    envFromSecret("REDIS_PASSWORD", args.password),
                    envFromSecret("REDIS_PASSWORD_ALSO", args.password, SECRET_KEYS.alsoAccepted),
                ],
                probeCommand: ["sh", "-c", `redis-cli -p 6379 --user ${PROBE_USER} --pass unused --no-auth-warning ping | grep -q PONG`],
                password: args.password,
                credentials: { store: "redis", ...args.credentials },
                traffic: args.traffic,
                placement: config.placement,
            });
            this.host = store.host;
            this.credentialsApplied = store.credentialsApplied;
        }
        this.registerOutputs({ host: this.host, port: this.port });
    }
}
