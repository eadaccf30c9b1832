import { parsePlatformConfig } from "../../config/load";
import { InvalidInputError } from "../errors";
import { findKubeconfig } from "../kube/client";
import { describeStuck, verifyRollouts } from "../kube/rollout";
import { currentActor } from "../lifecycle/audit";
import { confirmOnTerminal } from "../lifecycle/confirm";
import { RunResult, runChange, Verifier } from "../lifecycle/run";
import type { HistoryEntry } from "../plan/rollback";
import type { Plan } from "../plan/types";
import { AutomationStack, openStack } from "../stack/automation";
import { withChangeLock } from "../stack/changeLock";
import { LockConflictError } from "../stack/locks";
import { pulumiRoot } from "../stack/toolchain";

export interface ChangeFlags {
    stack: string;
    reason?: string;
    yes: boolean;
    preview: boolean;
    revert: boolean;
    wait: boolean;
    kubeconfig?: string;
    /** Seconds to wait for rollouts. */
    verifyTimeout: number;
}

export interface ChangeContext {
    projectDir: string;
    report: (line: string) => void;
    /** Test seam: how the stack is opened. */
    open?: (stack: string, kubeconfig?: string) => Promise<AutomationStack>;
}

/** Opens the stack, retrying while another update holds it when --wait is given. */
async function withStackLock<T>(flags: ChangeFlags, report: (l: string) => void, work: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + 30 * 60_000;
    for (;;) {
        try {
            return await work();
        } catch (error) {
            if (!(error instanceof LockConflictError) || !flags.wait || Date.now() > deadline) throw error;
            report(`${error.message.split(";")[0]}; waiting ...`);
            await new Promise((r) => setTimeout(r, 5000));
        }
    }
}

/**
 * The shared body of every desired-state command: plan from the stack config, then the lifecycle,
 * all under the stack's change lock, so the stack file only ever holds one change in flight.
 */
export async function changeCommand(flags: ChangeFlags, ctx: ChangeContext, makePlan: (raw: Record<string, unknown>, history: () => Promise<HistoryEntry[]>) => Plan | Promise<Plan>): Promise<RunResult> {
    return withChangeLock(ctx.projectDir, flags.stack, () => planAndRun(flags, ctx, makePlan), { wait: flags.wait, report: ctx.report });
}

async function planAndRun(flags: ChangeFlags, ctx: ChangeContext, makePlan: (raw: Record<string, unknown>, history: () => Promise<HistoryEntry[]>) => Plan | Promise<Plan>): Promise<RunResult> {
    const kubeconfig = findKubeconfig(flags.kubeconfig, ctx.projectDir, flags.stack);
    const open = ctx.open ?? ((name, cluster) => openStack({ projectDir: ctx.projectDir, stack: name, pulumiRoot: pulumiRoot(ctx.projectDir), kubeconfig: cluster }));
    const stack = await open(flags.stack, kubeconfig);
    const raw = await stack.rawConfig();
    const config = parsePlatformConfig(raw);
    if (config.environment === "production" && !flags.reason) {
        throw new InvalidInputError("production changes need a --reason (it is recorded in the stack history)");
    }
    const plan = await makePlan(raw, () => stack.history());
    const verifier: Verifier | undefined = kubeconfig
        ? {
              async verify(deployments) {
                  const outcome = await verifyRollouts(kubeconfig, config.namespace, deployments, { deadlineMs: flags.verifyTimeout * 1000 });
                  return { ok: outcome.ok, detail: outcome.ok ? `${deployments.join(", ")} rolled out in ${Math.round(outcome.waitedMs / 1000)}s` : describeStuck(outcome) };
              },
          }
        : undefined;
    if (!verifier && plan.rollouts.length > 0) ctx.report("no cluster reachable (no kubeconfig); rollouts will not be verified");
    ctx.report(`${flags.preview ? "preview" : "plan"}: ${plan.summary}`);
    return withStackLock(flags, ctx.report, () =>
        runChange(plan, stack, verifier, {
            tag: { operation: plan.operation, reason: flags.reason ?? "not given", actor: currentActor() },
            previewOnly: flags.preview,
            noRevert: !flags.revert,
            report: ctx.report,
            askFirst: !flags.yes,
            confirm: (summary) => confirmOnTerminal(summary, { stack: flags.stack, environment: config.environment, yes: flags.yes }),
        }),
    );
}

