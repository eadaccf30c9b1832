import { InvalidInputError } from "../errors";
import { describeStuck, verifyRollouts } from "../kube/rollout";
import type { CommandContext } from "../commandLine/context";
import { report } from "../commandLine/output";
import type { CurrentConfig, Plan } from "../plan/types";
import type { HistoryEntry } from "../stack/history";
import { currentActor } from "./audit";
import { withChangeLock } from "./changeLock";
import { type GitRecord, recordInGit } from "./git";
import { type RunResult, runChange, type Verifier } from "./lifecycle";
import { Waiting } from "./waiting";

/** What a state-changing command was asked: the flags every one of them shares. */
export interface ChangeFlags {
    stack: string;
    reason?: string;
    yes: boolean;
    preview: boolean;
    revert: boolean;
    wait: boolean;
    /** Commit the stack-file edit on a branch (stacks other than local); --no-git turns it off. */
    git: boolean;
    kubeconfig?: string;
    /** Seconds to wait for rollouts. */
    verifyTimeout: number;
    json?: boolean;
}

/** Plans a change from the stack's current config; the stack history is there for rollbacks. */
export type Planner = (current: CurrentConfig, history: () => Promise<HistoryEntry[]>) => Plan | Promise<Plan>;

export interface ChangeResult extends RunResult {
    /** The top-level `mcp:` values the change wrote to the stack file (undefined: removed). */
    written?: Record<string, unknown>;
    /** How the change reached git (stacks other than local). */
    git?: GitRecord;
}

/** The stack the local cluster runs: nobody else deploys it, so its changes stay in the working tree. */
const UNSHARED_STACK = "local";

/**
 * The one path of every state-changing command: plan → change lock → stack-file edit → update →
 * verify → revert when the rollout fails → record in git. The lock is taken (in the team store beside
 * the state) before the stack file is read for the plan, so the file only ever holds one change in
 * flight; `--wait` waits for it and for the engine's lock under one deadline.
 */
export async function applyChange(
    ctx: CommandContext,
    flags: ChangeFlags,
    planner: Planner,
    /** A command of several changes (a rotation's phases) records them together: recordApplied. */
    o: { recordInGit: boolean } = { recordInGit: true },
): Promise<ChangeResult> {
    // Opening the stack starts the Pulumi CLI (its version, the stack's selection): it needs no lock,
    // so it runs while this process takes the lock and plans. Its errors surface where it is awaited.
    ctx.stack(flags.stack, flags.kubeconfig, flags.verifyTimeout).catch(() => undefined);
    const waiting = new Waiting(flags.wait, report);
    const store = await ctx.teamStore(flags.stack);
    if (!store.shared && flags.stack !== UNSHARED_STACK) {
        report(
            `the change lock covers this checkout only (${store.location}): the stack's backend has no place for it; ` +
                "the engine's own lock still guards the state",
        );
    }
    const { result, plan } = await withChangeLock(
        { store, projectDir: ctx.projectDir },
        flags.stack,
        () => planAndRun(ctx, flags, planner, waiting),
        waiting,
    );
    const applied: ChangeResult = { ...result, written: Object.fromEntries(plan.changes.map((c) => [c.key, c.after])) };
    return o.recordInGit ? { ...applied, git: await recordApplied(ctx, flags, [applied]) } : applied;
}

/**
 * Commits what applied changes of one command wrote to the stack file on a branch of its own
 * (a rotation's phases together: one branch). Nothing for the local stack, or when nothing applied.
 */
export async function recordApplied(ctx: CommandContext, flags: ChangeFlags, results: ChangeResult[]): Promise<GitRecord | undefined> {
    const applied = results.filter((r) => r.outcome === "applied" && Object.keys(r.written ?? {}).length > 0);
    if (applied.length === 0 || flags.stack === UNSHARED_STACK) return undefined;
    if (!flags.git) return { skipped: "--no-git" };
    const last = applied[applied.length - 1];
    return recordInGit({
        projectDir: ctx.projectDir,
        stack: flags.stack,
        // A later change of the same key wrote its whole value again: the last one stands.
        values: Object.assign({}, ...applied.map((r) => r.written)),
        operation: last.operation,
        summary: applied.map((r) => r.summary).join("; "),
        reason: flags.reason ?? "not given",
        actor: currentActor(),
        version: last.version,
        edits: applied.flatMap((r) => r.edits),
    }).catch((error: Error): GitRecord => ({ skipped: `git failed: ${error.message.split("\n")[0]}` }));
}

async function planAndRun(
    ctx: CommandContext,
    flags: ChangeFlags,
    planner: Planner,
    waiting: Waiting,
): Promise<{ result: RunResult; plan: Plan }> {
    // Read under the change lock: no other change can write the stack file between this read and the update.
    const current = ctx.readConfig(flags.stack);
    if (current.config.environment === "production" && !flags.reason) {
        throw new InvalidInputError("production changes need a --reason (it is recorded in the stack history)");
    }
    // Bad input is refused before the stack is needed: the plan waits for the stack only to read its history.
    const opening = ctx.stack(flags.stack, flags.kubeconfig, flags.verifyTimeout);
    const plan = await planner(current, async () => (await opening).history());
    const stack = await opening;
    const verifier = rolloutVerifier(ctx, flags, current.config.namespace);
    if (!verifier && plan.rollouts.length > 0) report("no cluster reachable (no kubeconfig); rollouts will not be verified");
    report(`${flags.preview ? "preview" : "plan"}: ${plan.summary}`);
    const result = await waiting.retry(() =>
        runChange(plan, stack, verifier, {
            tag: { operation: plan.operation, reason: flags.reason ?? "not given", actor: currentActor() },
            previewOnly: flags.preview,
            noRevert: !flags.revert,
            report,
            askFirst: !flags.yes,
            confirm: (summary) => ctx.confirm(summary, flags),
        }),
    );
    return { result, plan };
}

/** Rollouts are verified on the cluster the command knows of (flag, $KUBECONFIG, the local cluster); none known, none verified. */
function rolloutVerifier(ctx: CommandContext, flags: ChangeFlags, namespace: string): Verifier | undefined {
    const kubeconfig = ctx.kubeconfig(flags.stack, flags.kubeconfig);
    if (!kubeconfig) return undefined;
    return {
        async verify(deployments, deadlineMs = flags.verifyTimeout * 1000, asUpdated = []) {
            // The provider waited for these rollouts and read them last: when that read shows every one done,
            // a second read of the cluster (and loading its client, a second on a busy machine) adds nothing.
            const settled = deployments.map((name) => asUpdated.find((r) => r.name === name));
            if (settled.every((r) => r?.done)) {
                const counts = settled.map((r) => `${r!.name} ${r!.available}/${r!.desired}`).join(", ");
                return { ok: true, detail: `${deployments.join(", ")} rolled out (${counts} available as the update finished)` };
            }
            const outcome = await verifyRollouts(kubeconfig, namespace, deployments, { deadlineMs });
            return {
                ok: outcome.ok,
                detail: outcome.ok
                    ? `${deployments.join(", ")} rolled out in ${Math.round(outcome.waitedMs / 1000)}s`
                    : describeStuck(outcome),
            };
        },
    };
}
