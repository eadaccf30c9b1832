import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ExternalSecret } from "../../../components/externalSecret";
import { checksum } from "../../../components/checksum";
import { RotatedSecret } from "../../../components/rotatedSecret";
import { secretSchema } from "../../../config/schema";
import { declareComponent } from "../../support/component";
import { K8S } from "../../support/platform";

const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
const resolve = <T>(output: pulumi.Output<T>) => new Promise<T>((r) => output.apply(r));
const value = (name: string, generation: number) => `SECRET-${name}-value-g${generation}-${generation}-VALUE`;
/** A Secret's stringData as recorded: marked secret as a whole (Pulumi's secret signature), the keys under "value". */
const stringData = (d: Awaited<ReturnType<typeof declareComponent>>) =>
    (d.one(K8S.secret).inputs.stringData as { value: Record<string, string> }).value;
const plain = (v: string) => v;

const declare = (rotation: object, name = "redis-password") =>
    declareComponent(() => new RotatedSecret(name, { namespace: "ns", config: secretSchema.parse({ length: 40, ...rotation }) }));

describe("RotatedSecret", () => {
    it("draws a letters-and-digits value per generation, kept by it, stored in a Secret named after the credential", async () => {
        const d = await declare({ rotationEpoch: 2 });
        expect(d.one(RANDOM_PASSWORD).inputs).toMatchObject({ length: 40, special: false, keepers: { rotationEpoch: "2", length: "40" } });
        expect(d.one(K8S.secret).inputs).toMatchObject({
            metadata: { name: "redis-password", namespace: "ns", labels: { "mcp.platform/secret": "redis-password" } },
            type: "Opaque",
        });
        const data = stringData(d);
        expect(plain(data.value)).toBe(value("redis-password", 2));
        expect(plain(data["also-accepted"])).toBe(value("redis-password", 2));
        expect(JSON.parse(plain(data.keyset))).toEqual({
            signing: "redis-password-2",
            keys: [{ kid: "redis-password-2", k: value("redis-password", 2) }],
        });
    });

    it("holds both generations while a rotation is under way: consumers keep the old one until the roll", async () => {
        const added = stringData(await declare({ rotationEpoch: 3, rotation: { phase: "added", from: 2 } }));
        expect([plain(added.value), plain(added["also-accepted"])]).toEqual([value("redis-password", 2), value("redis-password", 3)]);
        expect(JSON.parse(plain(added.keyset)).signing).toBe("redis-password-2");

        const rolled = stringData(await declare({ rotationEpoch: 3, rotation: { phase: "rolled", from: 2 } }));
        expect([plain(rolled.value), plain(rolled["also-accepted"])]).toEqual([value("redis-password", 3), value("redis-password", 2)]);
        expect(JSON.parse(plain(rolled.keyset))).toEqual({
            signing: "redis-password-3",
            keys: [
                { kid: "redis-password-3", k: value("redis-password", 3) },
                { kid: "redis-password-2", k: value("redis-password", 2) },
            ],
        });
    });

    it("changes its in-use checksum at the roll only and its key-set checksum at every phase, never from a value", async () => {
        const checksums = async (config: object) => {
            let ref!: RotatedSecret;
            await declareComponent(() => (ref = new RotatedSecret("token", { namespace: "ns", config: secretSchema.parse(config) })));
            return { inUse: await resolve(ref.checksum), keySet: await resolve(ref.keySetChecksum) };
        };
        const idle = await checksums({ rotationEpoch: 2 });
        const added = await checksums({ rotationEpoch: 3, rotation: { phase: "added", from: 2 } });
        const rolled = await checksums({ rotationEpoch: 3, rotation: { phase: "rolled", from: 2 } });
        const retired = await checksums({ rotationEpoch: 3 });
        // Outside a rotation both equal the checksum the layout before phases computed: upgrading rolls nothing.
        expect(idle).toEqual({ inUse: checksum({ name: "token", rotationEpoch: "2", length: "32" }), keySet: idle.inUse });
        expect([added.inUse, rolled.inUse, retired.inUse]).toEqual([idle.inUse, retired.inUse, retired.inUse]);
        expect(rolled.inUse).not.toBe(idle.inUse);
        expect(new Set([idle.keySet, added.keySet, rolled.keySet, retired.keySet]).size).toBe(4);
        expect(JSON.stringify([idle, added, rolled, retired])).not.toContain("SECRET-");
    });
});

describe("ExternalSecret", () => {
    it("stores the given credential as a secret under the same name and keys as a generated one", async () => {
        const d = await declareComponent(
            () => new ExternalSecret("postgres-password", { namespace: "ns", value: pulumi.output("from-config"), rotationEpoch: 0 }),
        );
        expect(d.one(K8S.secret).inputs).toMatchObject({
            metadata: { name: "postgres-password", labels: { "mcp.platform/secret": "postgres-password" } },
        });
        const data = stringData(d);
        expect([plain(data.value), plain(data["also-accepted"])]).toEqual(["from-config", "from-config"]);
        expect(d.ofType(RANDOM_PASSWORD)).toEqual([]);
    });
});
