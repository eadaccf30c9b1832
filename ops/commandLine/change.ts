import type { Command } from "commander";
import { describeGitRecord } from "../change/git";
import { applyChange, type ChangeFlags, type ChangeResult, type Planner } from "../change/pipeline";
import type { CurrentConfig, Plan } from "../plan/types";
import type { CommandContext } from "./context";
import { numberOption, onOff } from "./flags";
import { print } from "./output";

export type { ChangeFlags, Planner };

/**
 * Gives a desired-state command its shared flags and its action: plan with `planner` (given the
 * command's arguments and options), then the shared lifecycle, then one line of result.
 */
export function changeCommand<O>(command: Command, ctx: CommandContext, planner: (args: string[], o: O & ChangeFlags) => Planner): Command {
    return withChangeFlags(command).action(async (...received: unknown[]) => {
        const o = received[received.length - 2] as O & ChangeFlags;
        const args = received.slice(0, -2) as string[];
        let result: ChangeResult;
        try {
            result = await applyChange(ctx, o, planner(args, o));
        } catch (error) {
            const attached = (error as { result?: ChangeResult }).result;
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
        .option("--wait", "wait for another change or update of the stack to finish instead of failing", false)
        .option("--no-git", "do not commit the stack-file edit on a branch of its own (stacks other than local)")
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

export function describeResult(result: ChangeResult): string {
    if (result.outcome === "applied") {
        const verified = result.verification ? `; ${result.verification}` : "";
        const applied = `applied: ${result.summary} (update ${result.version ?? "?"})${verified}`;
        return result.git ? `${applied}\n${describeGitRecord(result.git)}` : applied;
    }
    if (result.outcome === "previewed") return `preview only: ${result.summary}; nothing was changed`;
    return `no change: ${result.summary}`;
}
