import type { Command } from "commander";
import { EXIT } from "../errors";
import type { CommandContext } from "../commandLine/context";
import { withJson, withStack } from "../commandLine/flags";
import { print, report } from "../commandLine/output";
import { auditMessage, currentActor } from "../lifecycle/audit";
import { driftReport, renderDrift } from "../review/drift";
import { withChangeLock } from "../stack/changeLock";

/** `mcp-ops drift [--fix]`: out-of-band changes field by field (exit 1 when any); --fix puts the declared state back. */
export function define(command: Command, ctx: CommandContext): void {
    withJson(withStack(command))
        .option("--fix", "apply the declared state (an update that refreshes first)", false)
        .option("--reason <text>", "why, for --fix; recorded in the stack history")
        .option("--yes", "apply --fix without asking", false)
        .action(async (o: { stack: string; fix: boolean; reason?: string; yes: boolean; json: boolean }) => {
            const stack = await ctx.stack(o.stack);
            const drifted = driftReport(await stack.refreshEvents());
            print(o.json, drifted, () => renderDrift(drifted));
            if (drifted.length === 0) return;
            if (!o.fix) {
                process.exitCode = EXIT.degraded;
                return;
            }
            const summary = `restore the declared state of ${drifted.length} drifted resource(s)`;
            await ctx.confirm(summary, o);
            const message = auditMessage({ operation: "drift-fix", reason: o.reason ?? "not given", actor: currentActor() }, summary);
            const version = await withChangeLock(ctx.projectDir, o.stack, async () => (await stack.upWithRefresh(message)).version);
            report(`declared state applied (update ${version ?? "?"})`);
        });
}
