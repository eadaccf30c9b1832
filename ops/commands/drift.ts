import type { Command } from "commander";
import { EXIT } from "../errors";
import type { CommandContext } from "../commandLine/context";
import { withJson, withKubeconfig, withStack } from "../commandLine/flags";
import { print, report } from "../commandLine/output";
import { applyChange } from "../change/pipeline";
import type { CurrentConfig, Plan } from "../plan/types";
import { type DriftedResource, driftReport, renderDrift } from "../review/drift";

/** `mcp-ops drift [--fix]`: out-of-band changes field by field (exit 1 when any); --fix puts the declared state back. */
export function define(command: Command, ctx: CommandContext): void {
    withJson(withKubeconfig(withStack(command)))
        .option("--fix", "apply the declared state (an update that refreshes first), as every change is applied", false)
        .option("--reason <text>", "why, for --fix; recorded in the stack history (required for production)")
        .option("--yes", "apply --fix without asking", false)
        .option("--wait", "with --fix: wait for another change or update of the stack to finish instead of failing", false)
        .action(
            async (o: {
                stack: string;
                fix: boolean;
                reason?: string;
                yes: boolean;
                wait: boolean;
                kubeconfig?: string;
                json: boolean;
            }) => {
                const stack = await ctx.stack(o.stack, o.kubeconfig);
                const drifted = driftReport(await stack.refreshEvents());
                print(o.json, drifted, () => renderDrift(drifted));
                if (drifted.length === 0) return;
                if (!o.fix) {
                    process.exitCode = EXIT.degraded;
                    return;
                }
                // The drift was already shown field by field: with --yes no second preview is needed.
                const result = await applyChange(
                    ctx,
                    { ...o, preview: false, revert: true, git: false, verifyTimeout: 300, json: false },
                    (current) => planDriftFix(current, drifted),
                );
                report(`declared state applied (update ${result.version ?? "?"})${result.verification ? `; ${result.verification}` : ""}`);
            },
        );
}

/** Putting the declared state back changes no config: an update that refreshes first, verified like any change. */
export function planDriftFix(current: CurrentConfig, drifted: DriftedResource[]): Plan {
    const services = new Set(Object.keys(current.config.services));
    return {
        operation: "drift-fix",
        summary: `restore the declared state of ${drifted.length} drifted resource(s)`,
        edits: [],
        config: current.raw,
        changes: [],
        rollouts: drifted.filter((d) => d.type === "kubernetes:apps/v1:Deployment" && services.has(d.name)).map((d) => d.name),
        noop: false,
        refresh: true,
    };
}
