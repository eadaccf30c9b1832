import * as pulumi from "@pulumi/pulumi";
import { keyId } from "../platform/credentialGenerations";
import { checksum } from "./checksum";
import { credentialSecret } from "./credentialSecret";
import { SECRET_KEYS, type SecretRef } from "./secretRef";

export interface ExternalSecretArgs {
    namespace: pulumi.Input<string>;
    /** The credential, from a secret config key (e.g. mcp:redisPassword). */
    value: pulumi.Output<string>;
    /** Bumped together with a new value (`mcp-ops rotate` does both), so consumers roll. */
    rotationEpoch: number;
}

/**
 * A credential issued elsewhere (a managed database's password) made available to pods the
 * same way as a RotatedSecret. Its checksum comes from the rotation epoch, not the value: a
 * hash of a human-chosen password could be guessed, and a secret annotation would hide the
 * consumers' whole pod spec from previews. The service that issues it decides which values it
 * accepts, so there is one value at a time here.
 */
export class ExternalSecret extends pulumi.ComponentResource implements SecretRef {
    readonly secretName: pulumi.Output<string>;
    readonly key = SECRET_KEYS.value;
    readonly checksum: pulumi.Output<string>;
    readonly keySetChecksum: pulumi.Output<string>;
    readonly keyId: string;

    constructor(name: string, args: ExternalSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp:secrets:ExternalSecret", name, {}, opts);
        const current = { generation: args.rotationEpoch, value: pulumi.secret(args.value) };
        const secret = credentialSecret(name, args.namespace, current, current, this);
        this.secretName = secret.metadata.name;
        this.checksum = pulumi.output(checksum({ name, source: "external", rotationEpoch: String(args.rotationEpoch) }));
        this.keySetChecksum = this.checksum;
        this.keyId = keyId(name, args.rotationEpoch);
        this.registerOutputs({ secretName: this.secretName });
    }
}
