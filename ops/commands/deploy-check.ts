import { appendFileSync } from "node:fs";
import type { Command } from "commander";
import { EXIT } from "../errors";
import type { CommandContext } from "../commandLine/context";
import { withJson, withStack } from "../commandLine/flags";
import { print, report } from "../commandLine/output";
import { describeUnmerged, unmergedMarkdown, unmergedOpsSettings } from "../change/unmergedOpsChanges";

/** Every update a stack has had: who set a value may be far back. */
const WHOLE_HISTORY = 1_000_000;

/**
 * `mcp-ops deploy-check`: run before `pulumi up` in CI. Fails (exit 76) when the commit being deployed
 * would put back values an ops change set on the live stack and that the commit does not have,
 * naming the update, both values and the branch to merge; `--override '<why>'` deploys anyway.
 */
export function define(command: Command, ctx: CommandContext): void {
    withJson(withStack(command, "stack about to be deployed"))
        .option("--override <why>", "deploy anyway, over the live ops changes (the reason is printed for the record)")
        .option("--warn-only", "report, never fail (a pull request's preview)", false)
        .option("--markdown <file>", "append the findings as Markdown to this file (the review comment)")
        .action(async (o: { stack: string; override?: string; warnOnly: boolean; markdown?: string; json: boolean }) => {
            const commit = ctx.readConfig(o.stack).raw;
            const history = await (await ctx.stack(o.stack)).history(WHOLE_HISTORY);
            const found = unmergedOpsSettings(o.stack, commit, history);
            if (o.markdown && found.length > 0) appendFileSync(o.markdown, `\n${unmergedMarkdown(o.stack, found)}`);
            print(o.json, found, () => describeUnmerged(o.stack, found));
            if (found.length === 0 || o.warnOnly) return;
            if (o.override) {
                report(`deploy-check overridden: ${o.override}; ${found.length} live ops value(s) will be replaced by this commit's`);
                return;
            }
            process.exitCode = EXIT.undoesOpsChange;
        });
}
