import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ExternalSecret } from "../../../components/externalSecret";
import { RotatedSecret } from "../../../components/rotatedSecret";
import { declareComponent } from "../../support/component";
import { K8S } from "../../support/platform";

const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
/** A Secret's stringData as recorded: marked secret as a whole (Pulumi's secret signature), the credential under "value". */
const secretStringData = (value: string) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: { value } });
const resolve = <T>(output: pulumi.Output<T>) => new Promise<T>((r) => output.apply(r));

describe("RotatedSecret", () => {
    it("draws a letters-and-digits value kept by the rotation epoch, stored in a Secret named after it", async () => {
        const d = await declareComponent(() => new RotatedSecret("redis-password", { namespace: "ns", rotationEpoch: 2, length: 40 }));
        expect(d.one(RANDOM_PASSWORD).inputs).toMatchObject({ length: 40, special: false, keepers: { rotationEpoch: "2", length: "40" } });
        expect(d.one(K8S.secret).inputs).toMatchObject({
            metadata: { name: "redis-password", namespace: "ns", labels: { "mcp.platform/secret": "redis-password" } },
            type: "Opaque",
            stringData: secretStringData("SECRET-redis-password-value-2-VALUE"),
        });
    });

    it("changes its checksum with the epoch and never derives it from the value", async () => {
        let first!: RotatedSecret;
        let second!: RotatedSecret;
        await declareComponent(() => {
            first = new RotatedSecret("token", { namespace: "ns", rotationEpoch: 0 });
            second = new RotatedSecret("token-b", { namespace: "ns", rotationEpoch: 1 });
        });
        const [a, b] = [await resolve(first.checksum), await resolve(second.checksum)];
        expect(a).not.toBe(b);
        expect(a).not.toContain("SECRET-");
    });
});

describe("ExternalSecret", () => {
    it("stores the given credential as a secret under the same name and key as a generated one", async () => {
        const d = await declareComponent(
            () => new ExternalSecret("postgres-password", { namespace: "ns", value: pulumi.output("from-config"), rotationEpoch: 0 }),
        );
        expect(d.one(K8S.secret).inputs).toMatchObject({
            metadata: { name: "postgres-password", labels: { "mcp.platform/secret": "postgres-password" } },
            stringData: secretStringData("from-config"),
        });
        expect(d.ofType(RANDOM_PASSWORD)).toEqual([]);
    });
});
