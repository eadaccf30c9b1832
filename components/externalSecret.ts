import * as pulumi from "@pulumi/pulumi";
import { checksum } from "./checksum";
import { credentialSecret } from "./credentialSecret";
import type { SecretRef } from "./secretRef";

export interface ExternalSecretArgs {
    namespace: pulumi.Input<string>;
    /** The credential, from a secret config key (e.g. mcp:redisPassword). */
    value: pulumi.Output<string>;
    /** Bumped together with a new value (`mcp-ops rotate` does both), so consumers roll. */
    rotationEpoch: number;
    /** Key inside the Kubernetes Secret. Default "value". */
    key?: string;
}

/**
 * A credential issued elsewhere (a managed database's password) made available to pods the
 * same way as a RotatedSecret. Its checksum comes from the rotation epoch, not the value: a
 * hash of a human-chosen password could be guessed, and a secret annotation would hide the
 * consumers' whole pod spec from previews.
 */
export class ExternalSecret extends pulumi.ComponentResource implements SecretRef {
    readonly secretName: pulumi.Output<string>;
    readonly key: string;
    readonly checksum: pulumi.Output<string>;

    constructor(name: string, args: ExternalSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp:secrets:ExternalSecret", name, {}, opts);
        this.key = args.key ?? "value";
        const secret = credentialSecret(name, args.namespace, this.key, pulumi.secret(args.value), this);
        this.secretName = secret.metadata.name;
        this.checksum = pulumi.output(checksum({ name, source: "external", rotationEpoch: String(args.rotationEpoch) }));
        this.registerOutputs({ secretName: this.secretName });
    }
}
