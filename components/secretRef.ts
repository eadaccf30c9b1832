import type * as pulumi from "@pulumi/pulumi";

/** How a consumer reads a secret: by reference, plus a checksum (never the value) for its pod annotations. */
export interface SecretRef {
    /** Kubernetes Secret name. */
    secretName: pulumi.Output<string>;
    /** Key inside the Secret. */
    key: string;
    /** Changes exactly when the value changes; safe to show. */
    checksum: pulumi.Output<string>;
}

/** An environment variable read from the Secret by reference: the value never enters the pod spec. */
export const envFromSecret = (name: string, ref: SecretRef) => ({
    name,
    valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } },
});
