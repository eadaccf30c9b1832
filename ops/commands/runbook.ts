import type { Command } from "commander";
import { RUNBOOKS } from "../../runbooks/registry";
import { renderRunbook } from "../../runbooks/render";
import { InvalidInputError } from "../errors";

/** `mcp-ops runbook list|show`: the runbooks, as docs/runbook.md has them. */
export function define(command: Command): void {
    command
        .command("list")
        .description("every runbook with its severity")
        .action(() => {
            for (const r of RUNBOOKS) console.log(`${r.severity}  ${r.id.padEnd(24)} ${r.title}`);
        });
    command
        .command("show")
        .description("one runbook: purpose, steps, verification, rollback, escalation")
        .argument("<id>", "runbook id, as listed by `mcp-ops runbook list`")
        .action((id: string) => {
            const found = RUNBOOKS.find((r) => r.id === id);
            if (!found)
                throw new InvalidInputError(
                    `no runbook "${id}"; run mcp-ops runbook list to see them (${RUNBOOKS.map((r) => r.id).join(", ")})`,
                );
            console.log(renderRunbook(found).join("\n"));
        });
}
