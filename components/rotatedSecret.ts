import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { checksum } from "./checksum";
import { credentialSecret } from "./credentialSecret";
import type { SecretRef } from "./secretRef";

export interface RotatedSecretArgs {
    namespace: pulumi.Input<string>;
    /** Bumping it generates a new value (it is the random value's keeper). */
    rotationEpoch: number;
    /** Length of the generated value. Default 32. */
    length?: number;
    /** Key inside the Kubernetes Secret. Default "value". */
    key?: string;
}

/**
 * A generated credential: a `random.RandomPassword` kept by the rotation epoch, stored in a
 * Kubernetes Secret named after the component. The value stays a Pulumi secret end to end;
 * consumers see only `checksum`, derived from the keepers, which is known at preview time, so
 * a preview of a rotation already shows which workloads will roll.
 */
export class RotatedSecret extends pulumi.ComponentResource implements SecretRef {
    readonly secretName: pulumi.Output<string>;
    readonly key: string;
    readonly checksum: pulumi.Output<string>;

    constructor(name: string, args: RotatedSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp:secrets:RotatedSecret", name, {}, opts);
        const length = args.length ?? 32;
        this.key = args.key ?? "value";
        const keepers = { rotationEpoch: String(args.rotationEpoch), length: String(length) };

        const value = new random.RandomPassword(
            `${name}-value`,
            // Letters and digits only: the value is safe in URLs, env files and shell scripts.
            { length, special: false, keepers },
            { parent: this },
        );

        const secret = credentialSecret(name, args.namespace, this.key, value.result, this);

        this.secretName = secret.metadata.name;
        this.checksum = pulumi.output(checksum({ name, ...keepers }));
        this.registerOutputs({ secretName: this.secretName, checksum: this.checksum });
    }
}
