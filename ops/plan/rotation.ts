import type { PlatformConfig, SecretConfig } from "../../config/schema";
import { generationsOf } from "../../platform/credentialGenerations";
import { consumersOf, isExternalCredential } from "../../platform/secretUse";
import { InvalidInputError } from "../errors";
import { planEdits } from "./edit";
import type { CurrentConfig, Plan } from "./types";

/** The stages of a rotation, each one stack update: add the new value, roll consumers onto it, retire the old one. */
export const PHASES = ["add", "roll", "retire"] as const;
export type Phase = (typeof PHASES)[number];

/** The phase that comes next for a secret: add when no rotation is under way. */
export function nextPhase(secret: Pick<SecretConfig, "rotation">): Phase {
    if (!secret.rotation) return "add";
    return secret.rotation.phase === "added" ? "roll" : "retire";
}

/** The phases left to run, from the next one to the retirement. */
export const remainingPhases = (secret: Pick<SecretConfig, "rotation">): Phase[] => PHASES.slice(PHASES.indexOf(nextPhase(secret)));

/**
 * The phases a command runs for these secrets: `only` (which must be each one's next phase), else
 * every phase left to any of them, in order.
 */
export function phasesToRun(config: PlatformConfig, names: string[], only?: Phase): Phase[] {
    if (!only) return PHASES.filter((p) => names.some((n) => remainingPhases(config.secrets[n]).includes(p)));
    const elsewhere = names.filter((n) => nextPhase(config.secrets[n]) !== only);
    if (elsewhere.length > 0) {
        throw new InvalidInputError(
            elsewhere.map((n) => `${n}'s next phase is ${nextPhase(config.secrets[n])}`).join("; ") +
                `; run --phase ${nextPhase(config.secrets[elsewhere[0]])} (mcp-ops rotate --status shows each secret's)`,
        );
    }
    return [only];
}

/** Milliseconds until the previous value may be retired (0 when it may be now). */
export function retireDueInMs(secret: SecretConfig, now: Date): number {
    if (secret.rotation?.phase !== "rolled" || !secret.rotation.rolledAt) return 0;
    return Math.max(0, (secret.rotation.rolledAt + secret.retireAfterSeconds) * 1000 - now.getTime());
}

/** Refuses names that are not secrets of the stack, before anything changes. */
export function checkSecretNames(config: PlatformConfig, names: string[]): void {
    if (names.length === 0) throw new InvalidInputError("name a secret to rotate, or pass --all");
    for (const name of names) {
        if (!config.secrets[name])
            throw new InvalidInputError(`unknown secret "${name}"; this stack has: ${Object.keys(config.secrets).join(", ")}`);
    }
}

/**
 * One phase for these secrets (each must be at that phase; the command checks), as one stack update:
 *   add    - a new generation is drawn and the store (or every verifier) accepts it beside the current one;
 *   roll   - consumers restart, one pod at a time, with the new value;
 *   retire - the previous value is no longer accepted; its generation leaves the state.
 */
export function planRotationPhase(current: CurrentConfig, names: string[], phase: Phase, now: Date): Plan {
    const { config, raw } = current;
    const written = (raw.secrets ?? {}) as Record<string, Record<string, unknown> | undefined>;
    const edits = names.map((name) => {
        const secret = config.secrets[name];
        const { rotation: _, ...rest } = written[name] ?? {};
        const to =
            phase === "add"
                ? { ...rest, rotationEpoch: secret.rotationEpoch + 1, rotation: { phase: "added", from: secret.rotationEpoch } }
                : phase === "roll"
                  ? { ...rest, rotation: { phase: "rolled", from: secret.rotation!.from, rolledAt: Math.floor(now.getTime() / 1000) } }
                  : rest;
        return { path: `secrets.${name}`, to };
    });
    // Readers of a key set learn of every change; a store password's readers roll when the value in use changes.
    const keySetOnly = phase !== "roll";
    const consumers = [...new Set(names.flatMap((n) => consumersOf(config, n, keySetOnly)))].sort();
    const generation = (name: string) => {
        const g = generationsOf(config.secrets[name]);
        return phase === "add" ? `${g.inUse} -> ${g.inUse + 1}` : `${g.accepted.join(" -> ")}`;
    };
    const what = {
        add: "accept the new value beside the current one",
        roll: "consumers move to the new value",
        retire: "retire the previous value",
    };
    const secrets = names.map((n) => `${n} (${generation(n)})`).join(", ");
    return planEdits(
        "rotate",
        `rotate ${secrets}, ${phase}: ${what[phase]}; consumers roll: ${consumers.join(", ") || "none"}`,
        current,
        edits,
        () => consumers,
    );
}

/**
 * A credential issued elsewhere has one value at a time: a new one (set beforehand in its config
 * key) replaces it in one update and its consumers roll. The service that issued it decides how
 * long the old one keeps working.
 */
export function planExternalRotation(current: CurrentConfig, names: string[]): Plan {
    const { config, raw } = current;
    const written = (raw.secrets ?? {}) as Record<string, object | undefined>;
    const edits = names.map((n) => ({ path: `secrets.${n}`, to: { ...written[n], rotationEpoch: config.secrets[n].rotationEpoch + 1 } }));
    const consumers = [...new Set(names.flatMap((n) => consumersOf(config, n)))].sort();
    return planEdits(
        "rotate",
        `rotate ${names.join(", ")} (external: one step); consumers roll: ${consumers.join(", ") || "none"}`,
        current,
        edits,
        () => consumers,
    );
}

/** One secret's rotation state, for `mcp-ops rotate --status`. */
export interface RotationStatus {
    secret: string;
    generation: number;
    phase: "idle" | "added" | "rolled";
    /** Generations accepted now. */
    accepted: number[];
    next?: Phase;
    /** Seconds until the retire phase may run. */
    retireDueInSeconds?: number;
    external: boolean;
}

export function rotationStatus(config: PlatformConfig, now: Date): RotationStatus[] {
    return Object.entries(config.secrets).map(([secret, s]) => {
        const g = generationsOf(s);
        const external = isExternalCredential(config, secret);
        return {
            secret,
            generation: g.inUse,
            phase: g.phase,
            accepted: g.accepted,
            next: g.phase === "idle" ? undefined : nextPhase(s),
            retireDueInSeconds: g.phase === "rolled" ? Math.ceil(retireDueInMs(s, now) / 1000) : undefined,
            external,
        };
    });
}
