import type { Command } from "commander";
import { InvalidInputError } from "../errors";
import { loadKubeClient } from "../kube/client";
import { describeStuck, verifyRollouts } from "../kube/rollout";
import { currentActor } from "../lifecycle/audit";
import { type RunResult, runChange, type Verifier } from "../lifecycle/run";
import type { CurrentConfig, Plan } from "../plan/types";
import type { HistoryEntry } from "../stack/history";
import { withChangeLock } from "../stack/changeLock";
import { LockConflictError } from "../stack/locks";
import type { CommandContext } from "./context";
import { numberOption, onOff } from "./flags";
import { print, report } from "./output";

/** The flags every desired-state command shares. */
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
    json?: boolean;
}

/** Plans a change from the stack's current config; the stack history is there for rollbacks. */
export type Planner = (current: CurrentConfig, history: () => Promise<HistoryEntry[]>) => Plan | Promise<Plan>;

/**
 * Gives a desired-state command its shared flags and its action: plan with `planner` (given the
 * command's arguments and options), then the shared lifecycle, then one line of result.
 */
export function changeCommand<O>(command: Command, ctx: CommandContext, planner: (args: string[], o: O & ChangeFlags) => Planner): Command {
    return withChangeFlags(command).action(async (...received: unknown[]) => {
        const o = received[received.length - 2] as O & ChangeFlags;
        const args = received.slice(0, -2) as string[];
        let result: RunResult;
        try {
            result = await runChangeCommand(o, ctx, planner(args, o));
        } catch (error) {
            const attached = (error as { result?: RunResult }).result;
            if (attached && o.json) print(true, attached, () => "");
            throw error;
        }
        print(Boolean(o.json), result, () => describeResult(result));
    });
}

/** The flags of every desired-state command (ChangeFlags). */
export function withChangeFlags(command: Command): Command {
    return command
        .option("--stack <name>", "stack to change", "local")
        .option("--reason <text>", "why; recorded in the stack history (required for production)")
        .option("--yes", "apply without asking (CI)", false)
        .option("--preview", "show the diff and stop; nothing changes", false)
        .option("--no-revert", "keep the change even if the rollout does not verify")
        .option("--wait", "wait for another update on the stack to finish instead of failing", false)
        .option("--kubeconfig <file>", "cluster to verify rollouts on (default: $KUBECONFIG, else the local cluster if up)")
        .addOption(numberOption("--verify-timeout <s>", "seconds to wait for rollouts").default(300))
        .option("--json", "print the result as JSON", false);
}

/** A desired-state switch (`lockdown on|off`, `maintenance on|off`): its argument, and its plan for the state asked for. */
export function switchCommand(command: Command, ctx: CommandContext, plan: (current: CurrentConfig, on: boolean) => Plan): Command {
    return changeCommand(
        command.argument("<state>", "on or off"),
        ctx,
        ([state]) =>
            (current) =>
                plan(current, onOff(state)),
    );
}

export function describeResult(result: RunResult): string {
    if (result.outcome === "applied")
        return `applied: ${result.summary} (update ${result.version ?? "?"})${result.verification ? `; ${result.verification}` : ""}`;
    if (result.outcome === "previewed") return `preview only: ${result.summary}; nothing was changed`;
    return `no change: ${result.summary}`;
}

/**
 * The shared body of every desired-state command: plan from the stack config, then the lifecycle,
 * all under the stack's change lock, so the stack file only ever holds one change in flight.
 */
export function runChangeCommand(flags: ChangeFlags, ctx: CommandContext, planner: Planner): Promise<RunResult> {
    // Opening the stack starts the Pulumi CLI twice (its version, the stack's selection): it needs no
    // lock, so it runs while this process plans and takes the change lock. Its errors surface where it is awaited.
    ctx.stack(flags.stack, flags.kubeconfig, flags.verifyTimeout).catch(() => undefined);
    return withChangeLock(ctx.projectDir, flags.stack, () => planAndRun(flags, ctx, planner), { wait: flags.wait, report });
}

async function planAndRun(flags: ChangeFlags, ctx: CommandContext, planner: Planner): Promise<RunResult> {
    // Read under the change lock: no other change can write the stack file between this read and the update.
    const current = ctx.readConfig(flags.stack);
    const { config } = current;
    if (config.environment === "production" && !flags.reason) {
        throw new InvalidInputError("production changes need a --reason (it is recorded in the stack history)");
    }
    // Bad input is refused before the stack is needed: the plan waits for the stack only to read its history.
    const opening = ctx.stack(flags.stack, flags.kubeconfig, flags.verifyTimeout);
    const plan = await planner(current, async () => (await opening).history());
    const stack = await opening;
    const kubeconfig = ctx.kubeconfig(flags.stack, flags.kubeconfig);
    const verifier: Verifier | undefined = kubeconfig
        ? {
              async verify(deployments, deadlineMs = flags.verifyTimeout * 1000) {
                  const outcome = await verifyRollouts(kubeconfig, config.namespace, deployments, { deadlineMs });
                  return {
                      ok: outcome.ok,
                      detail: outcome.ok
                          ? `${deployments.join(", ")} rolled out in ${Math.round(outcome.waitedMs / 1000)}s`
                          : describeStuck(outcome),
                  };
              },
          }
        : undefined;
    if (!verifier && plan.rollouts.length > 0) report("no cluster reachable (no kubeconfig); rollouts will not be verified");
    // The Kubernetes client takes a moment to load: it loads while the update runs, not after.
    if (verifier && plan.rollouts.length > 0) loadKubeClient().catch(() => undefined);
    report(`${flags.preview ? "preview" : "plan"}: ${plan.summary}`);
    return retryWhileLocked(flags, () =>
        runChange(plan, stack, verifier, {
            tag: { operation: plan.operation, reason: flags.reason ?? "not given", actor: currentActor() },
            previewOnly: flags.preview,
            noRevert: !flags.revert,
            report,
            askFirst: !flags.yes,
            confirm: (summary) => ctx.confirm(summary, flags),
        }),
    );
}

/** With --wait, retries while another update holds the engine's lock on the stack (up to 30 minutes). */
async function retryWhileLocked<T>(flags: ChangeFlags, work: () => Promise<T>): Promise<T> {
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
