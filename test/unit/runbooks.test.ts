import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { beforeAll, describe, expect, it } from "vitest";
import { ALERT_RULES } from "../../components/alertRules";
import { type CommandModule, COMMANDS, defineCommand } from "../../ops/cli";
import { CommandContext } from "../../ops/commandLine/context";
import { RUNBOOKS } from "../../runbooks/registry";
import { renderRunbookBook } from "../../runbooks/render";
import { REPO_ROOT } from "../support/platform";

/** Command paths the CLI really has, e.g. "health", "redis revoke-sessions". */
const modules: Record<string, CommandModule> = {};
beforeAll(async () => {
    for (const name of Object.keys(COMMANDS)) modules[name] = await import(`../../ops/commands/${name}`);
});

function cliCommands(command?: Command, prefix = ""): string[] {
    const children =
        command?.commands ?? Object.keys(COMMANDS).map((name) => defineCommand(name, modules[name], new CommandContext(REPO_ROOT)));
    return children.flatMap((c) => {
        const path = `${prefix}${c.name()}`;
        return [path, ...cliCommands(c, `${path} `)];
    });
}

describe("the runbook book", () => {
    it("is checked in exactly as the generator writes it (run npm run docs:runbook after changing the registry)", () => {
        expect(readFileSync(join(REPO_ROOT, "docs", "runbook.md"), "utf8")).toBe(renderRunbookBook());
    });

    it("links every alert to a runbook entry that exists in the document", () => {
        const book = renderRunbookBook();
        for (const alert of ALERT_RULES) {
            expect(
                RUNBOOKS.map((r) => r.id),
                alert.alert,
            ).toContain(alert.runbook);
            expect(book, alert.alert).toContain(`<a id="${alert.runbook}"></a>`);
        }
    });

    it("gives every entry unique id, steps, verification, rollback and escalation", () => {
        expect(new Set(RUNBOOKS.map((r) => r.id)).size).toBe(RUNBOOKS.length);
        for (const r of RUNBOOKS) {
            expect(r.id, r.title).toMatch(/^[a-z][a-z-]+$/);
            expect(r.steps.length, r.id).toBeGreaterThan(0);
            expect(r.verification.length, r.id).toBeGreaterThan(0);
            expect(r.rollback.length, r.id).toBeGreaterThan(0);
            expect(r.escalation.length, r.id).toBeGreaterThan(0);
            expect(r.replaces.length, r.id).toBeGreaterThan(0);
        }
    });

    it("only presents mcp-ops commands that the CLI really has as available", () => {
        const available = new Set(cliCommands());
        const offered = RUNBOOKS.flatMap((r) =>
            r.steps.filter((s) => !s.planned && s.run?.includes("mcp-ops ")).map((s) => ({ id: r.id, run: s.run! })),
        );
        expect(offered.length).toBeGreaterThan(10);
        for (const { id, run } of offered) {
            for (const invocation of run
                .split(/&&|\|\|/)
                .map((part) => part.trim())
                .filter((part) => part.startsWith("mcp-ops "))) {
                const words = invocation
                    .split(/\s+/)
                    .slice(1)
                    .filter((w) => !w.startsWith("-") && !w.startsWith("<"));
                const path = available.has(`${words[0]} ${words[1]}`) ? `${words[0]} ${words[1]}` : words[0];
                expect(available.has(path), `${id}: ${invocation}`).toBe(true);
            }
        }
    });

    it("marks as planned only commands the CLI does not have yet", () => {
        const available = new Set(cliCommands());
        for (const r of RUNBOOKS) {
            for (const s of r.steps.filter((x) => x.planned)) {
                const [verb, sub] = s.run!.split(/\s+/).slice(1);
                expect(
                    available.has(verb) && (available.has(`${verb} ${sub}`) || !cliCommands().some((c) => c.startsWith(`${verb} `))),
                    `${r.id}: ${s.run}`,
                ).toBe(false);
            }
        }
    });

    it("covers the original runbooks' change and recovery procedures", () => {
        const replaced = new Set(RUNBOOKS.flatMap((r) => r.replaces));
        for (const procedure of [
            "Service Health Check",
            "Service Restart",
            "Scale Service",
            "Horizontal Scaling",
            "Vertical Scaling",
            "Credential Rotation",
            "Secret Rotation",
            "Emergency Rollback",
            "Rollback Procedure",
            "Security Incident Response",
            "Optimize Gateway Performance",
            "Backup Procedures",
            "Recovery Procedures",
            "Data Corruption",
            "Database Maintenance",
            "Cache Optimization",
            "Certificate Renewal",
            "Issue: MCP Tools Missing",
            "High Memory Usage",
            "Connection Issues",
            "Service Unavailable",
            "Log Cleanup",
            "Incident Communication",
        ]) {
            expect(replaced.has(procedure), procedure).toBe(true);
        }
    });
});
