import type { Command } from "commander";
import type { CommandContext } from "../commandLine/context";
import { withJson, withStack } from "../commandLine/flags";
import { print } from "../commandLine/output";
import { auditMessage, currentActor } from "../lifecycle/audit";
import { recoverStack } from "../stack/recover";

/** `mcp-ops recover`: after an interrupted update, clear its stale locks and pending operations, then refresh. */
export function define(command: Command, ctx: CommandContext): void {
    withJson(withStack(command))
        .option("--force", "remove the lock even if its process may be alive elsewhere", false)
        .option("--reason <text>", "why; recorded in the stack history")
        .option("--yes", "recover without asking (CI)", false)
        .action(async (o: { stack: string; force: boolean; reason?: string; yes: boolean; json: boolean }) => {
            const summary = `clear the stale locks and pending operations of stack ${o.stack}, then refresh its state`;
            await ctx.confirm(summary, o);
            const stack = await ctx.stack(o.stack);
            const message = auditMessage({ operation: "recover", reason: o.reason ?? "not given", actor: currentActor() }, summary);
            const result = await recoverStack(stack, { force: o.force, message, projectDir: ctx.projectDir });
            print(o.json, result, () =>
                [
                    `locks removed: ${result.locksRemoved.join("; ") || "none"}`,
                    `pending operations cleared: ${result.pendingCleared.map((p) => p.urn).join(", ") || "none"}`,
                    `refreshed: ${result.refreshed}`,
                ].join("\n"),
            );
        });
}
