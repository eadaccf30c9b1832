import { OperationFailedError, OpsError, UpdateFailedError, VerificationFailedError } from "../errors";
import type { ChangeScope } from "../plan/scope";
import type { Plan } from "../plan/types";
import { describeEdits } from "../plan/describe";
import { type AuditTag, auditMessage } from "./audit";
import type { RolloutState } from "../kube/rolloutState";

/** What the lifecycle needs from a stack; the Automation API adapter implements it, tests may fake it. */
export interface StackPort {
    readonly name: string;
    /**
     * Writes these top-level `mcp:` keys (undefined removes a key); returns a function that puts
     * the stack config back exactly as it was before this write.
     */
    writeConfig(values: Record<string, unknown>): Promise<() => Promise<void>>;
    /**
     * Previews the current config (refreshing first when asked); returns a readable diff. A scope
     * limits this and the updates below to the resources it targets; none: the whole stack.
     */
    preview(refresh?: boolean, scope?: ChangeScope): Promise<string>;
    /**
     * Runs an update with this message; returns its diff, from its own events, and its number in the
     * history, which may need another look at the history: it is read while the rollouts are verified.
     */
    up(message: string, scope?: ChangeScope): Promise<UpResult>;
    /** An update that refreshes first, so what a controller or a hand changed meanwhile is put back. */
    upWithRefresh(message: string, scope?: ChangeScope): Promise<UpResult>;
}

export interface UpResult {
    version: Promise<number | undefined>;
    diff?: string;
    /** The Deployments the update changed, as the provider last read them once it had waited for their rollout. */
    rollouts?: RolloutState[];
}

export interface Verifier {
    /**
     * Checks that the named Deployments rolled out, waiting up to the deadline (default: the
     * command's --verify-timeout); returns a reason when they did not. `asUpdated`: their state
     * as the update left them; those it shows rolled out need no further look.
     */
    verify(deployments: string[], deadlineMs?: number, asUpdated?: RolloutState[]): Promise<{ ok: boolean; detail: string }>;
}

export { UpdateFailedError, VerificationFailedError };

export interface RunOptions {
    tag: AuditTag;
    /** Stop after the diff. */
    previewOnly: boolean;
    /**
     * Someone confirms after seeing the preview. Without that (--yes), the separate preview is
     * skipped and the diff comes from the update's own events: one engine pass instead of two.
     */
    askFirst: boolean;
    /** Keep the new config even if verification fails. */
    noRevert: boolean;
    confirm: (summary: string) => Promise<void>;
    report: (line: string) => void;
}

export interface RunResult {
    operation: string;
    summary: string;
    stack: string;
    outcome: "no-change" | "previewed" | "applied" | "reverted";
    edits: Plan["edits"];
    diff?: string;
    version?: number;
    revertVersion?: number;
    verification?: string;
    /** Why a second, refreshing update followed the first (see Plan.settle). */
    settled?: string;
    /** What the updates targeted (Plan.scope); absent: the whole stack. */
    scope?: ChangeScope;
}

/**
 * One lifecycle for every change: write config → preview and show the
 * diff → confirm (with --yes: no preview, the update's own diff instead) → update with an audit
 * message → verify → revert as a new update if the verification fails → report. A preview-only
 * run, a refusal or a failure puts the stack config back as it was: only an applied change stays.
 */
export async function runChange(plan: Plan, stack: StackPort, verifier: Verifier | undefined, o: RunOptions): Promise<RunResult> {
    const { scope } = plan;
    const base = { operation: plan.operation, summary: plan.summary, stack: stack.name, edits: plan.edits, scope };
    if (plan.noop) {
        o.report(`nothing to change: ${plan.summary} is already the desired state`);
        return { ...base, outcome: "no-change" };
    }
    const after = Object.fromEntries(plan.changes.map((c) => [c.key, c.after]));
    for (const line of describeEdits(plan.edits)) o.report(`  ${line}`);

    if (scope) o.report(`scope: ${scope.describe}; the update leaves the rest of the stack as it is`);
    const restoreConfig = await stack.writeConfig(after);
    let diff: string | undefined;
    if (o.previewOnly || o.askFirst) {
        try {
            o.report("previewing ...");
            diff = await stack.preview(plan.refresh, scope);
            o.report(diff);
            if (o.previewOnly) {
                await restoreConfig();
                return { ...base, outcome: "previewed", diff };
            }
            await o.confirm(plan.summary);
        } catch (error) {
            await restoreConfig();
            throw error;
        }
    }

    o.report("applying ...");
    let version: Promise<number | undefined> = Promise.resolve(undefined);
    let asUpdated: RolloutState[];
    try {
        const message = auditMessage(o.tag, plan.summary);
        const applied = plan.refresh ? await stack.upWithRefresh(message, scope) : await stack.up(message, scope);
        version = applied.version;
        asUpdated = applied.rollouts ?? [];
        if (diff === undefined) {
            diff = applied.diff;
            if (diff) o.report(diff);
        }
        if (plan.settle) {
            o.report(`settling: ${plan.settle} ...`);
            const settling = await stack.upWithRefresh(auditMessage(o.tag, `${plan.summary} (settle)`), scope);
            version = settling.version;
            // What the settling update changed again, it read last.
            const later = new Set((settling.rollouts ?? []).map((r) => r.name));
            asUpdated = [...asUpdated.filter((r) => !later.has(r.name)), ...(settling.rollouts ?? [])];
        }
    } catch (error) {
        await restoreConfig();
        if (error instanceof OpsError) throw error;
        // The provider awaits each rollout (ops commands bound that wait by --verify-timeout), so pods
        // that never become ready fail the update itself: such a change is reverted like one that
        // fails verification. A rollout that did complete means the update failed for another reason.
        if (verifier && plan.rollouts.length > 0 && !o.noRevert) {
            const stuck = await verifier.verify(plan.rollouts, 5_000);
            if (!stuck.ok) return revert(stuck.detail, diff, version);
        }
        throw new UpdateFailedError(
            `the update failed: ${(error as Error).message.split("\n").slice(0, 12).join("\n")}\n` +
                "The stack config was put back as it was; resources the update changed before it failed return to it with the next " +
                "update (mcp-ops drift shows them).",
        );
    }

    const settled = plan.settle;
    if (!verifier || plan.rollouts.length === 0) return { ...base, outcome: "applied", diff, version: await version, settled };
    o.report(`verifying rollout of ${plan.rollouts.join(", ")} ...`);
    const verified = await verifier.verify(plan.rollouts, undefined, asUpdated);
    if (verified.ok) return { ...base, outcome: "applied", diff, version: await version, verification: verified.detail, settled };
    if (o.noRevert) {
        throw new VerificationFailedError(`verification failed and --no-revert was given, so the change stays: ${verified.detail}`);
    }
    return revert(verified.detail, diff, version);

    /** Puts the previous config back as a new update, and fails the command with what happened. */
    async function revert(detail: string, appliedDiff: string | undefined, appliedVersion: Promise<number | undefined>): Promise<never> {
        o.report(`verification failed (${detail}); reverting to the previous config ...`);
        await restoreConfig();
        let revertVersion: number | undefined;
        try {
            const message = auditMessage({ ...o.tag, operation: "revert" }, `revert ${plan.operation}: ${plan.summary}`);
            revertVersion = await (await stack.up(message, scope)).version;
        } catch (error) {
            throw new OperationFailedError(
                `verification failed (${detail}) and the revert update failed too: ${(error as Error).message.split("\n")[0]}; run ` +
                    `mcp-ops recover, then mcp-ops rollback --last-good`,
            );
        }
        throw Object.assign(
            new VerificationFailedError(
                `verification failed: ${detail}; the previous config was restored as update ${revertVersion ?? "?"}`,
            ),
            {
                result: {
                    ...base,
                    outcome: "reverted" as const,
                    diff: appliedDiff,
                    version: await appliedVersion,
                    revertVersion,
                    verification: detail,
                },
            },
        );
    }
}
