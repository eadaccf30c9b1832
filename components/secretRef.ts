import type * as pulumi from "@pulumi/pulumi";

/** Keys of a credential's Kubernetes Secret. */
export const SECRET_KEYS = {
    /** The value consumers are started with. */
    value: "value",
    /** During a rotation, the other value the store accepts; otherwise the same as `value`. */
    alsoAccepted: "also-accepted",
    /** Every accepted value with its key id, as JSON: {"signing": kid, "keys": [{"kid", "k"}]}, for verifiers of signatures. */
    keySet: "keyset",
} as const;

/** How a consumer reads a secret: by reference, plus checksums (never the value) for its pod annotations. */
export interface SecretRef {
    /** Kubernetes Secret name. */
    secretName: pulumi.Output<string>;
    /** Key of the value in use inside the Secret. */
    key: string;
    /** Changes exactly when the value in use changes; safe to show. */
    checksum: pulumi.Output<string>;
    /** Changes when the value in use or the set of accepted values changes: verifiers of a key set roll with it. */
    keySetChecksum: pulumi.Output<string>;
    /** Identifier of the value in use (a token's `kid`); safe to show. */
    keyId: string;
}

/** An environment variable read from the Secret by reference: the value never enters the pod spec. */
export const envFromSecret = (name: string, ref: SecretRef, key: string = ref.key) => ({
    name,
    valueFrom: { secretKeyRef: { name: ref.secretName, key } },
});

/** A secret as a consumer of a key set reads it: NAME (the value in use), NAME_ID (its key id) and NAME_SET (every accepted value). */
export const keySetEnv = (name: string, ref: SecretRef) => [
    envFromSecret(name, ref),
    { name: `${name}_ID`, value: ref.keyId },
    envFromSecret(`${name}_SET`, ref, SECRET_KEYS.keySet),
];
