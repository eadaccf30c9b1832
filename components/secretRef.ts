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
