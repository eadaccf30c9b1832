import * as pulumi from "@pulumi/pulumi";
import type { RedisConfig } from "../config/schema";
import { envFromSecret, type SecretRef } from "./secretRef";
import { declareStatefulStore } from "./statefulStore";
import { STORE_PORTS, type TrafficRules } from "./traffic";

export interface RedisArgs {
    namespace: pulumi.Input<string>;
    /** The validated `mcp:redis` config. */
    config: RedisConfig;
    /** Password the server requires (and consumers present). */
    password: SecretRef;
    traffic: TrafficRules;
}

/** The Redis image's "redis" user: the alpine image's, and the local image's (images/catalog.ts). */
export const REDIS_UID = 999;

/**
 * Redis: an in-cluster StatefulSet with a persistent volume and a required password, or an
 * external endpoint (a managed service) when `config.mode` is "external".
 */
export class Redis extends pulumi.ComponentResource {
    readonly host: pulumi.Output<string>;
    readonly port: number;

    constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp:data:Redis", name, {}, opts);
        const config = args.config;
        if (config.mode === "external" && config.external) {
            this.host = pulumi.output(config.external.host);
            this.port = config.external.port;
        } else {
            this.port = STORE_PORTS.redis;
            const passwordEnv = envFromSecret("REDIS_PASSWORD", args.password);
            this.host = declareStatefulStore(this, name, {
                namespace: args.namespace,
                image: config.image,
                port: this.port,
                uid: REDIS_UID,
                dataPath: "/data",
                storage: config.storage,
                storageClass: config.storageClass,
                resources: config.resources,
                command: ["redis-server"],
                // $(REDIS_PASSWORD) is expanded by the kubelet, so the value never appears in the spec.
                args: [
                    "--requirepass",
                    "$(REDIS_PASSWORD)",
                    "--dir",
                    "/data",
                    "--maxmemory",
                    config.maxmemory,
                    "--maxmemory-policy",
                    config.maxmemoryPolicy,
                    "--appendonly",
                    config.appendonly ? "yes" : "no",
                ],
                // redis-cli reads REDISCLI_AUTH, which keeps the password off the probe's command line.
                env: [passwordEnv, { ...passwordEnv, name: "REDISCLI_AUTH" }],
                probeCommand: ["sh", "-c", "redis-cli -p 6379 ping | grep -q PONG"],
                password: args.password,
                traffic: args.traffic,
                placement: config.placement,
            });
        }
        this.registerOutputs({ host: this.host, port: this.port });
    }
}
