import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { SecretConfig } from "../config/schema";
import { alsoAccepted, generationsOf, keyId } from "../platform/credentialGenerations";
import { checksum } from "./checksum";
import { credentialSecret } from "./credentialSecret";
import { SECRET_KEYS, type SecretRef } from "./secretRef";

export interface RotatedSecretArgs {
    namespace: pulumi.Input<string>;
    /** The secret's config: its generations and length. */
    config: Pick<SecretConfig, "rotationEpoch" | "rotation" | "length">;
}

/**
 * A generated credential: one `random.RandomPassword` per accepted generation, each kept by its
 * generation number, stored in a Kubernetes Secret named after the component. A retired
 * generation's value leaves the program and the state, so nothing can bring it back. The values
 * stay Pulumi secrets end to end; consumers see only checksums derived from the generations,
 * known at preview time, so a preview of a rotation already shows which workloads will roll.
 */
export class RotatedSecret extends pulumi.ComponentResource implements SecretRef {
    readonly secretName: pulumi.Output<string>;
    readonly key = SECRET_KEYS.value;
    readonly checksum: pulumi.Output<string>;
    readonly keySetChecksum: pulumi.Output<string>;
    readonly keyId: string;

    constructor(name: string, args: RotatedSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp:secrets:RotatedSecret", name, {}, opts);
        const length = args.config.length;
        const generations = generationsOf(args.config);
        const valueOf = (generation: number) =>
            new random.RandomPassword(
                `${name}-value-g${generation}`,
                // Letters and digits only: the value is safe in URLs, env files, shell scripts and JSON.
                { length, special: false, keepers: { rotationEpoch: String(generation), length: String(length) } },
                // Before rotations had phases the value in use was "<name>-value"; the alias keeps it.
                { parent: this, aliases: generation === generations.inUse ? [{ name: `${name}-value` }] : [] },
            ).result;
        const values = new Map(generations.accepted.map((g) => [g, valueOf(g)]));
        const other = alsoAccepted(generations);
        const secret = credentialSecret(
            name,
            args.namespace,
            { generation: generations.inUse, value: values.get(generations.inUse)! },
            { generation: other, value: values.get(other)! },
            this,
        );

        this.secretName = secret.metadata.name;
        const inUse = { name, rotationEpoch: String(generations.inUse), length: String(length) };
        this.checksum = pulumi.output(checksum(inUse));
        this.keySetChecksum = pulumi.output(
            generations.phase === "idle" ? checksum(inUse) : checksum({ ...inUse, accepted: generations.accepted.join(",") }),
        );
        this.keyId = keyId(name, generations.inUse);
        this.registerOutputs({ secretName: this.secretName, checksum: this.checksum });
    }
}
