import { type Command, Option } from "commander";
import { isExternalCredential } from "../../platform/secretUse";
import { CHECK_DEFAULTS } from "../../config/probeTargets";
import { STORE_SECRET } from "../../platform/secretUse";
import { InvalidInputError, VerificationFailedError } from "../errors";
import { readSecretValue } from "../kube/secrets";
import { redisTarget } from "../redis/target";
import { healthCommand } from "./health";
import { postgresAddress } from "../postgres/target";
import { describeResult, type ChangeFlags, withChangeFlags } from "../commandLine/change";
import { applyChange, type ChangeResult, recordApplied } from "../change/pipeline";
import type { CommandContext } from "../commandLine/context";
import { print, report } from "../commandLine/output";
import {
    checkSecretNames,
    nextPhase,
    type Phase,
    PHASES,
    phasesToRun,
    planExternalRotation,
    planRotationPhase,
    retireDueInMs,
    rotationStatus,
    type RotationStatus,
} from "../plan/rotation";

export interface RotateFlags extends ChangeFlags {
    all: boolean;
    status: boolean;
    phase?: Phase;
}

/**
 * `mcp-ops rotate <secret...|--all>`: a rotation in phases, each a stack update verified before the
 * next (add the new value beside the current one, roll consumers onto it, retire the old one after
 * its grace period), with one confirmation. Stopped between phases, the platform keeps working;
 * the same command resumes where it stopped. `--phase` runs one phase, `--status` shows rotations under way.
 */
export function define(command: Command, ctx: CommandContext): void {
    withChangeFlags(
        command
            .argument("[secrets...]")
            .option("--all", "every secret", false)
            .option("--status", "show which secrets are mid-rotation and what comes next; changes nothing", false)
            .addOption(new Option("--phase <phase>", "run only this phase (it must be the next one)").choices(PHASES)),
    ).action(async (secrets: string[], o: RotateFlags) => {
        if (o.status) return printStatus(ctx, o);
        const results = await rotate(ctx, secrets, o);
        // The phases reach git together, on one branch, once the last one applied.
        const git = await recordApplied(ctx, o, results);
        if (git) results[results.length - 1] = { ...results[results.length - 1], git };
        print(Boolean(o.json), results, () => results.map(describeResult).join("\n"));
    });
}

/** A rotation's phases reach git together, on one branch, once the last one applied (see define). */
const TOGETHER = { recordInGit: false };

/** Runs the rotation the flags ask for; one result per update it ran. */
export async function rotate(ctx: CommandContext, secrets: string[], o: RotateFlags): Promise<ChangeResult[]> {
    const { config } = ctx.currentConfig(o.stack);
    const names = o.all ? Object.keys(config.secrets) : secrets;
    checkSecretNames(config, names);
    const external = names.filter((n) => isExternalCredential(config, n));
    const phased = names.filter((n) => !external.includes(n));
    if (o.phase && external.length > 0)
        throw new InvalidInputError(`${external.join(", ")} belong(s) to an external store and rotate in one step; drop --phase`);
    const phases = phasesToRun(config, phased, o.phase);
    if (phased.length > 0)
        report(`rotation of ${phased.join(", ")}: ${phases.join(" -> ")}, each phase one update, verified before the next`);

    const results: ChangeResult[] = [];
    let confirmed = o.yes;
    if (external.length > 0) {
        results.push(await applyChange(ctx, o, (current) => planExternalRotation(current, external), TOGETHER));
        confirmed = true;
    }
    let rolledAt: number | undefined;
    for (const [i, phase] of phases.entries()) {
        report(`phase ${i + 1}/${phases.length}: ${phase}`);
        if (phase === "retire" && !o.preview) await waitForRetirement(ctx, o, phased, rolledAt);
        const result = await applyChange(
            ctx,
            { ...o, yes: confirmed },
            (current) =>
                planRotationPhase(
                    current,
                    phased.filter((n) => nextPhase(current.config.secrets[n]) === phase),
                    phase,
                    new Date(),
                ),
            TOGETHER,
        );
        results.push(result);
        confirmed = true;
        if (phase === "roll" && result.outcome === "applied") {
            rolledAt = Date.now();
            await checkHealthAfterRoll(ctx, o);
        }
        if (result.outcome === "previewed") {
            if (i < phases.length - 1) report(`preview of the first phase only: ${phases.slice(i + 1).join(" and ")} follow(s) it`);
            break;
        }
    }
    return results;
}

/**
 * The consumers rolled onto the new value: `health` must not be UNHEALTHY before the old value is
 * retired. Stopping here is safe, as both values still work.
 */
async function checkHealthAfterRoll(ctx: CommandContext, o: RotateFlags): Promise<void> {
    // Read again: the roll just changed which generation (and so which PostgreSQL login) is in use.
    const { config } = ctx.readConfig(o.stack);
    const kubeconfig = ctx.kubeconfig(o.stack, o.kubeconfig);
    if (!kubeconfig) {
        report("no cluster reachable (no kubeconfig): health after the roll not checked");
        return;
    }
    const inCluster = config.redis.mode !== "external";
    const password = inCluster ? await readSecretValue(kubeconfig, config.namespace, STORE_SECRET.redis) : undefined;
    // The stores are checked with the values their Secrets now hold: the ones the consumers just rolled onto.
    const postgresPassword = await readSecretValue(kubeconfig, config.namespace, STORE_SECRET.postgres).catch(() => undefined);
    const { report: health } = await healthCommand({
        config,
        endpoint: [],
        timeoutMs: CHECK_DEFAULTS.timeoutMs,
        slowMs: CHECK_DEFAULTS.slowMs,
        redis: inCluster ? redisTarget(config, undefined, password) : undefined,
        postgres: { ...postgresAddress(config), password: postgresPassword },
        kubeconfig,
        tunnelsThrough: kubeconfig,
    });
    const failing = [
        ...[...health.services, ...(health.components ?? [])]
            .filter((s) => s.status === "UNHEALTHY")
            .map((s) => `${s.name}: ${s.reasons.join("; ")}`),
        ...(health.redis?.status === "UNHEALTHY" ? ["redis"] : []),
        ...(health.postgres?.status === "UNHEALTHY" ? [`postgres: ${health.postgres.reasons.join("; ")}`] : []),
        ...(health.workloads ?? []).filter((w) => w.status === "UNHEALTHY").map((w) => `${w.name} ${w.ready}/${w.desired} ready`),
    ];
    report(`health after the roll: ${health.status}`);
    if (health.status === "UNHEALTHY")
        throw new VerificationFailedError(
            `health is UNHEALTHY after the roll (${failing.join(" | ") || "see mcp-ops health"}); the old value ` +
                "is not retired, so both still work: fix what fails, then rerun the same mcp-ops rotate to retire it",
        );
}

/** Waits out the grace period of each secret: a client may hold the previous value that long after its pods rolled. */
async function waitForRetirement(ctx: CommandContext, o: RotateFlags, names: string[], rolledHereAt?: number): Promise<void> {
    const { config } = ctx.readConfig(o.stack);
    const now = new Date();
    const waitMs = Math.max(
        0,
        ...names.map((n) => {
            const secret = config.secrets[n];
            const sinceRollHere = rolledHereAt === undefined ? 0 : rolledHereAt + secret.retireAfterSeconds * 1000 - now.getTime();
            return Math.max(retireDueInMs(secret, now), sinceRollHere);
        }),
    );
    if (waitMs === 0) return;
    report(`waiting ${Math.ceil(waitMs / 1000)}s before retiring (retireAfterSeconds); stopping now leaves the rotation safe to resume`);
    await new Promise((r) => setTimeout(r, waitMs));
}

function printStatus(ctx: CommandContext, o: RotateFlags): void {
    const statuses = rotationStatus(ctx.currentConfig(o.stack).config, new Date());
    print(Boolean(o.json), statuses, () => statuses.map(describeStatus).join("\n"));
}

function describeStatus(s: RotationStatus): string {
    if (s.phase === "idle") return `${s.secret}: generation ${s.generation}, no rotation under way${s.external ? " (external store)" : ""}`;
    const due = s.retireDueInSeconds ? ` (retire allowed in ${s.retireDueInSeconds}s)` : "";
    return (
        `${s.secret}: mid-rotation, ${s.phase}: generations ${s.accepted.join(" and ")} accepted, consumers use ${s.generation}; ` +
        `next: mcp-ops rotate ${s.secret} --phase ${s.next}${due}`
    );
}
