import * as pulumi from "@pulumi/pulumi";
import { Postgres } from "../../components/postgres";
import type { SecretRef } from "../../components/secretRef";
import type { PostgresConfig } from "../../config/schema";
import type { Generations } from "../../platform/credentialGenerations";
import { recordResources, type Registered, settle } from "./mocks";

export interface Declared {
    resources: Registered[];
    /** The one resource of this type (fails when there is none or more than one). */
    one(type: string): Registered;
    ofType(type: string): Registered[];
    /** The resource of this type and name (fails when there is none). */
    named(type: string, name: string): Registered;
}

/** Declares one component under recording mocks and returns what it registered, for assertions on the inputs. */
export async function declareComponent(declare: () => unknown): Promise<Declared> {
    const resources = await recordResources("unit");
    declare();
    await settle(resources);
    const ofType = (type: string) => resources.filter((r) => r.type === type);
    return {
        resources,
        ofType,
        named(type, name) {
            const found = ofType(type).find((r) => r.name === name);
            if (!found)
                throw new Error(
                    `no ${type} named ${name}: ${ofType(type)
                        .map((r) => r.name)
                        .join(", ")}`,
                );
            return found;
        },
        one(type) {
            const found = ofType(type);
            if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
            return found[0];
        },
    };
}

export const noTraffic = { ingress: [], egress: [] };

/** A credential reference as consumers see it: a Secret's name and key, and a checksum. */
export const secretRef = (name: string): SecretRef => ({
    secretName: pulumi.output(name),
    key: "value",
    checksum: pulumi.output(`${name}-checksum`),
    keySetChecksum: pulumi.output(`${name}-keyset-checksum`),
    keyId: `${name}-0`,
});

/** A store's credentials Job outside a rotation, as a component test declares it. */
export const idleCredentials = {
    image: "mcp-ops:test",
    generations: { phase: "idle" as const, inUse: 0, accepted: [0] },
    traffic: noTraffic,
};

/** The Postgres component as the platform declares it in-cluster, with its password's rotation state (default: none under way). */
export function declarePostgres(config: PostgresConfig, generations: Generations = idleCredentials.generations): Promise<Declared> {
    return declareComponent(
        () =>
            new Postgres("postgres", {
                namespace: "ns",
                config,
                password: secretRef("postgres-password"),
                traffic: noTraffic,
                credentials: { ...idleCredentials, generations },
            }),
    );
}
