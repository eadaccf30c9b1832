import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { keyId } from "../platform/credentialGenerations";
import { PART_OF } from "./labels";
import { SECRET_KEYS } from "./secretRef";

/** One accepted value of a credential and its generation. */
export interface CredentialValue {
    generation: number;
    value: pulumi.Input<string>;
}

/**
 * The Kubernetes Secret that holds a credential, labelled with its name so ops commands find it:
 * the value in use, the other accepted value during a rotation, and both as a key set. Generated
 * and external credentials are stored the same way.
 */
export function credentialSecret(
    name: string,
    namespace: pulumi.Input<string>,
    inUse: CredentialValue,
    alsoAccepted: CredentialValue,
    parent: pulumi.Resource,
): k8s.core.v1.Secret {
    const accepted = alsoAccepted.generation === inUse.generation ? [inUse] : [inUse, alsoAccepted];
    const keySet = pulumi.all(accepted.map((c) => c.value)).apply((values) =>
        JSON.stringify({
            signing: keyId(name, inUse.generation),
            keys: accepted.map((c, i) => ({ kid: keyId(name, c.generation), k: values[i] })),
        }),
    );
    return new k8s.core.v1.Secret(
        `${name}-secret`,
        {
            metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": PART_OF, "mcp.platform/secret": name } },
            type: "Opaque",
            stringData: {
                [SECRET_KEYS.value]: inUse.value,
                [SECRET_KEYS.alsoAccepted]: alsoAccepted.value,
                [SECRET_KEYS.keySet]: pulumi.secret(keySet),
            },
        },
        { parent },
    );
}
