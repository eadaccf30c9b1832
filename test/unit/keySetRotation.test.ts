import { createHmac, timingSafeEqual } from "node:crypto";
import { describe, expect, it } from "vitest";
import { McpService } from "../../components/mcpService";
import { RotatedSecret } from "../../components/rotatedSecret";
import { secretSchema } from "../../config/schema";
import { declareComponent, noTraffic } from "../support/component";
import { K8S } from "../support/platform";

/**
 * A signing key rotated in phases, through what a gateway pod really gets: the Secret the
 * platform declares at each phase, read through the env its Deployment declares (NAME, NAME_ID,
 * NAME_SET). Pods sign with NAME under kid NAME_ID and accept any key of NAME_SET; a rolling update
 * replaces them one at a time while tokens issued by any pod are checked by every pod.
 */
type Env = Record<string, string>;

/** The env a gateway pod starts with at this rotation state. */
async function podEnv(state: object): Promise<Env> {
    const d = await declareComponent(() => {
        const key = new RotatedSecret("gateway-jwt-signing-key", { namespace: "ns", config: secretSchema.parse(state) });
        new McpService("gateway", {
            namespace: "ns",
            role: "gateway",
            image: "gateway:1",
            port: 8080,
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "256Mi" } },
            tuning: {},
            traffic: noTraffic,
            secretEnv: { JWT_SIGNING_KEY: key },
        });
    });
    const data = (d.one(K8S.secret).inputs.stringData as { value: Record<string, string> }).value;
    const env: Env = {};
    for (const e of d.one(K8S.deployment).inputs.spec.template.spec.containers[0].env as Array<{
        name: string;
        value?: string;
        valueFrom?: { secretKeyRef: { key: string } };
    }>) {
        env[e.name] = e.valueFrom ? data[e.valueFrom.secretKeyRef.key] : e.value!;
    }
    return env;
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64url");

/** A minimal HS256 signer and verifier over the env contract. */
function pod(env: Env) {
    const sign = (key: string, data: string) => createHmac("sha256", key).update(data).digest();
    const keys = (JSON.parse(env.JWT_SIGNING_KEY_SET) as { keys: Array<{ kid: string; k: string }> }).keys;
    return {
        issue(subject: string): string {
            const head = `${b64(JSON.stringify({ alg: "HS256", kid: env.JWT_SIGNING_KEY_ID }))}.${b64(JSON.stringify({ sub: subject }))}`;
            return `${head}.${b64(sign(env.JWT_SIGNING_KEY, head))}`;
        },
        accepts(token: string): boolean {
            const [header, payload, signature] = token.split(".");
            const { kid } = JSON.parse(Buffer.from(header, "base64url").toString()) as { kid: string };
            const key = keys.find((k) => k.kid === kid);
            if (!key) return false;
            const expected = sign(key.k, `${header}.${payload}`);
            const given = Buffer.from(signature, "base64url");
            return given.length === expected.length && timingSafeEqual(given, expected);
        },
    };
}

/**
 * Runs a sequence of deployments of a Deployment with `pods` replicas, each rolled one pod at a
 * time; after every pod replaced, each pod issues a token and every pod checks every token issued
 * in the last `lifetime` steps. Returns the failed checks.
 */
function rollThrough(states: Env[], pods = 3, lifetime = 4): { checks: number; failed: number } {
    let running = Array.from({ length: pods }, () => pod(states[0]));
    const live: Array<{ token: string; age: number }> = [];
    let checks = 0;
    let failed = 0;
    const step = () => {
        running.forEach((p, i) => live.push({ token: p.issue(`user-${i}`), age: 0 }));
        for (const t of live) {
            for (const p of running) {
                checks++;
                if (!p.accepts(t.token)) failed++;
            }
        }
        for (const t of live) t.age++;
        live.splice(0, live.length, ...live.filter((t) => t.age < lifetime));
    };
    for (const env of states.slice(1)) {
        for (let i = 0; i < pods; i++) {
            running = running.map((p, j) => (j === i ? pod(env) : p));
            step();
        }
        // The phase's verification and, before a retirement, the grace period: tokens keep flowing.
        for (let i = 0; i < lifetime; i++) step();
    }
    return { checks, failed };
}

describe("a signing key rotated in phases, as gateway pods see it", () => {
    it("verifies every token through add, roll and retire; a one-step rotation rejects tokens while pods roll", async () => {
        const idle = await podEnv({ rotationEpoch: 4 });
        const added = await podEnv({ rotationEpoch: 5, rotation: { phase: "added", from: 4 } });
        const rolled = await podEnv({ rotationEpoch: 5, rotation: { phase: "rolled", from: 4 } });
        const retired = await podEnv({ rotationEpoch: 5 });
        expect([idle, added, rolled, retired].map((e) => e.JWT_SIGNING_KEY_ID)).toEqual([
            "gateway-jwt-signing-key-4",
            "gateway-jwt-signing-key-4",
            "gateway-jwt-signing-key-5",
            "gateway-jwt-signing-key-5",
        ]);

        const phased = rollThrough([idle, added, rolled, retired]);
        const oneStep = rollThrough([idle, retired]);
        console.log(`signing key, phased: ${JSON.stringify(phased)}; one step: ${JSON.stringify(oneStep)}`);
        expect(phased.checks).toBeGreaterThan(300);
        expect(phased.failed).toBe(0);
        expect(oneStep.failed).toBeGreaterThan(0);
    });
});
