import type { Command } from "commander";
import type { CommandContext } from "../commandLine/context";
import { numberOption, withJson, withStack } from "../commandLine/flags";
import { print } from "../commandLine/output";
import { parseAuditMessage } from "../change/audit";

/** `mcp-ops history`: the audit log, one line per update with operation, reason, actor, result and duration. */
export function define(command: Command, ctx: CommandContext): void {
    withJson(withStack(command))
        .addOption(numberOption("--limit <n>", "newest updates to show").default(20))
        .action(async (o: { stack: string; limit: number; json: boolean }) => {
            const stack = await ctx.stack(o.stack);
            const rows = (await stack.history(o.limit)).map((h) => {
                const audit = parseAuditMessage(h.message);
                const seconds = h.endTime ? Math.round((Date.parse(h.endTime) - Date.parse(h.startTime)) / 1000) : undefined;
                return {
                    version: h.version,
                    kind: h.kind,
                    result: h.result,
                    startTime: h.startTime,
                    durationSeconds: seconds,
                    operation: audit?.operation,
                    reason: audit?.reason,
                    actor: audit?.actor,
                    message: audit?.summary ?? h.message,
                };
            });
            const line = (r: (typeof rows)[number]) =>
                `${String(r.version).padStart(4)}  ${r.startTime}  ${(r.result ?? "").padEnd(10)} ` +
                `${String(r.durationSeconds ?? "?").padStart(4)}s  ` +
                `${(r.operation ?? r.kind ?? "").padEnd(15)} ${r.message ?? ""}${r.actor ? `  [${r.actor}: ${r.reason}]` : ""}`;
            print(o.json, rows, () => rows.map(line).join("\n") || "no updates yet");
        });
}
