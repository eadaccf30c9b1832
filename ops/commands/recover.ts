import type { Command } from "commander";
import type { CommandContext } from "../commandLine/context";
import { withJson, withStack } from "../commandLine/flags";
import { print } from "../commandLine/output";
import { auditMessage, currentActor } from "../change/audit";
import { recoverChange } from "../change/recover";

/** `mcp-ops recover`: after an interrupted update, clear its stale locks and pending operations, then refresh. */
export function define(command: Command, ctx: CommandContext): void {
    withJson(withStack(command))
        .option("--force", "remove the locks even if their process may be alive (on another machine, say)", false)
        .option("--reason <text>", "why; recorded in the stack history")
        .option("--yes", "recover without asking (CI)", false)
        .action(async (o: { stack: string; force: boolean; reason?: string; yes: boolean; json: boolean }) => {
            const summary = `clear the stale locks and pending operations of stack ${o.stack}, then refresh its state`;
            await ctx.confirm(summary, o);
            const message = auditMessage({ operation: "recover", reason: o.reason ?? "not given", actor: currentActor() }, summary);
            const result = await recoverChange(ctx, { stack: o.stack, force: o.force, message });
            print(o.json, result, () =>
                [
                    `locks removed: ${result.locksRemoved.join("; ") || "none"}`,
                    `pending creates adopted (kept if the object exists): ${result.pendingAdopted.map((p) => p.id).join(", ") || "none"}`,
                    `pending operations cleared: ${result.pendingCleared.map((p) => p.urn).join(", ") || "none"}`,
                    `refreshed: ${result.refreshed}`,
                ].join("\n"),
            );
        });
}
