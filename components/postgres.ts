import * as pulumi from "@pulumi/pulumi";
import { postgresServerArgs } from "../config/postgresSettings";
import type { PostgresConfig } from "../config/schema";
import { type Generations, postgresLoginRole } from "../platform/credentialGenerations";
import { envFromSecret, type SecretRef } from "./secretRef";
import { declareStatefulStore } from "./statefulStore";
import { STORE_PORTS, type TrafficRules } from "./traffic";

export interface PostgresArgs {
    namespace: pulumi.Input<string>;
    /** The validated `mcp:postgres` config. */
    config: PostgresConfig;
    password: SecretRef;
    traffic: TrafficRules;
    /** The rotation state of the password and the image of its credentials Job. */
    credentials: { image: pulumi.Input<string>; generations: Generations; traffic: TrafficRules };
}

/** The PostgreSQL image's "postgres" user: the alpine image's, and the local image's (images/catalog.ts). */
export const POSTGRES_UID = 70;

/** PostgreSQL: an in-cluster StatefulSet with a persistent volume, or an external endpoint. */
export class Postgres extends pulumi.ComponentResource {
    readonly host: pulumi.Output<string>;
    readonly port: number;
    readonly database: string;
    /** The role consumers log in as: a login role of the generation in use, or the configured user of an external server. */
    readonly user: string;
    /** Consumers depend on it: the store takes a new password before anyone uses it. Absent for an external store. */
    readonly credentialsApplied?: pulumi.Resource;

    constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp:data:Postgres", name, {}, opts);
        const config = args.config;
        this.database = config.database;
        this.user = config.mode === "external" ? config.user : postgresLoginRole(config.user, args.credentials.generations.inUse);
        if (config.mode === "external" && config.external) {
            this.host = pulumi.output(config.external.host);
            this.port = config.external.port;
        } else {
            this.port = STORE_PORTS.postgres;
            const store = declareStatefulStore(this, name, {
                namespace: args.namespace,
                image: config.image,
                port: this.port,
                uid: POSTGRES_UID,
                dataPath: "/var/lib/postgresql/data",
                storage: config.storage,
                storageClass: config.storageClass,
                resources: config.resources,
                // The image's entrypoint runs `postgres` with arguments that start with "-".
                args: postgresServerArgs(config.settings),
                env: [
                    // The owner of the database's objects; clients log in as <user>_a or <user>_b, members of it.
                    { name: "POSTGRES_USER", value: config.user },
                    { name: "POSTGRES_DB", value: config.database },
                    envFromSecret("POSTGRES_PASSWORD", args.password),
                    // A subdirectory, because the volume's root holds lost+found on many storage classes.
                    { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
                ],
                probeCommand: ["pg_isready", "-h", "127.0.0.1", "-U", config.user, "-d", config.database],
                scratchPaths: ["/var/run/postgresql"],
                password: args.password,
                credentials: { store: "postgres", postgres: { owner: config.user, database: config.database }, ...args.credentials },
                traffic: args.traffic,
                placement: config.placement,
            });
            this.host = store.host;
            this.credentialsApplied = store.credentialsApplied;
        }
        this.registerOutputs({ host: this.host, port: this.port });
    }
}
