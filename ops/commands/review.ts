import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { EXIT, InvalidInputError } from "../errors";
import type { CommandContext } from "../commandLine/context";
import { withJson } from "../commandLine/flags";
import { print } from "../commandLine/output";
import { reviewMarkdown } from "../review/markdown";
import { type EngineEvent, parseEventLog, summarizeEvents } from "../review/summarize";

/** `mcp-ops review`: a preview summarised for a pull request; exit 3 when it needs an approval. */
export function define(command: Command, ctx: CommandContext): void {
    withJson(command, "the summary")
        .requiredOption("--stack <name>", "the stack to preview (or the stack --events was written for)")
        .option("--events <file>", "summarise this engine event log (pulumi preview --event-log) instead of running a preview")
        .option("--out <file>", "also write the Markdown summary here")
        .action(async (o: { stack: string; events?: string; out?: string; json: boolean }) => {
            const events = o.events
                ? readEventLog(o.events, o.stack)
                : await (await ctx.stack(o.stack)).previewEvents([join(ctx.projectDir, "policy")]);
            const summary = summarizeEvents(events);
            const markdown = reviewMarkdown(o.stack, summary);
            if (o.out) writeFileSync(o.out, markdown);
            print(o.json, summary, () => markdown.trimEnd());
            const needsApproval = summary.highRisk.length + summary.policy.mandatory.length + summary.catalog.length > 0;
            if (needsApproval) process.exitCode = EXIT.needsApproval;
        });
}

function readEventLog(file: string, stack: string): EngineEvent[] {
    try {
        return parseEventLog(readFileSync(file, "utf8"));
    } catch {
        throw new InvalidInputError(`cannot read ${file}; write it with: pulumi preview --stack ${stack} --event-log ${file}`);
    }
}
