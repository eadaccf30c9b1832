import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ALERT_RULES } from "../../components/alertRules";
import { renderRuleGroups } from "../../components/alerts";
import { deploy, REPO_ROOT, stackConfig } from "../support/platform";

/** Prometheus' own promtool, built from its pinned Go module by scripts/toolchain.sh. */
const promtool = join(
    execFileSync("bash", [join(REPO_ROOT, "scripts", "toolchain.sh"), "promtool"], {
        encoding: "utf8",
        env: { ...process.env, MCP_TOOLCHAIN_QUIET: "1" },
    }).trim(),
    "promtool",
);
const TESTS = join(REPO_ROOT, "test", "promtool", "alerts.test.yml");
/** Conditions that take weeks to reach, evaluated hourly (see the file). */
const TESTS_OVER_WEEKS = join(REPO_ROOT, "test", "promtool", "alerts-over-weeks.test.yml");

function run(args: string[]): Promise<{ code: number; output: string }> {
    return new Promise((resolve) =>
        execFile(promtool, args, { timeout: 120_000 }, (error, stdout, stderr) =>
            resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
        ),
    );
}

describe("the alert rules, judged by promtool", () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-promtool-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** The rule file as promtool reads it, from a PrometheusRule's spec. */
    const writeRules = (file: string, groups: unknown) => writeFileSync(join(dir, file), stringify({ groups }));

    it.each(["local", "staging", "production"])(
        "accepts the rendered PrometheusRule of the %s stack (promtool check rules)",
        async (stack) => {
            const d = await deploy(stackConfig(stack));
            const [rule] = d.ofType("kubernetes:monitoring.coreos.com/v1:PrometheusRule");
            writeRules(`${stack}.yml`, rule.inputs.spec.groups);
            const result = await run(["check", "rules", join(dir, `${stack}.yml`)]);
            expect(result.output).toContain(`SUCCESS: ${rule.inputs.spec.groups[0].rules.length} rules found`);
            expect(result.code).toBe(0);
        },
    );

    /** The promtool test files beside the rendered rules, as promtool reads them. */
    const testFiles = () =>
        [TESTS, TESTS_OVER_WEEKS].map((file) => {
            const copy = join(dir, basename(file));
            copyFileSync(file, copy);
            return copy;
        });

    it("fires every alert when its condition holds long enough, and keeps it quiet otherwise (promtool test rules)", async () => {
        writeRules("rules.yml", renderRuleGroups("mcp-system", "docs/runbook.md"));
        const result = await run(["test", "rules", ...testFiles()]);
        expect(result.output.match(/SUCCESS/g)).toHaveLength(2);
        expect(result.code).toBe(0);
    });

    it("fires the restore-drill alert when no drill has passed for 35 days, though none failed", async () => {
        const loosened = ALERT_RULES.map((r) => (r.alert === "McpBackupDrillFailed" ? { ...r, expr: r.expr.split(" or time()")[0] } : r));
        writeRules("rules.yml", renderRuleGroups("mcp-system", "docs/runbook.md", loosened));
        const [, overWeeks] = testFiles();
        const result = await run(["test", "rules", overWeeks]);
        // Without its 35-day branch the rule stays quiet, and the firing case says so.
        expect(result.code).not.toBe(0);
        expect(result.output).toContain("alertname: McpBackupDrillFailed");
    });

    it("has a firing case and a quiet case for every alert in the rule file", () => {
        const cases = [TESTS, TESTS_OVER_WEEKS].flatMap((file) =>
            (
                parse(readFileSync(file, "utf8")) as {
                    tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
                }
            ).tests.flatMap((t) => t.alert_rule_test),
        );
        for (const { alert } of ALERT_RULES) {
            expect(
                cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0),
                `${alert} fires somewhere`,
            ).toBe(true);
            expect(
                cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0),
                `${alert} stays quiet somewhere`,
            ).toBe(true);
        }
    });

    it("fails when a rule no longer does what its test says (the check can fail)", async () => {
        const loosened = ALERT_RULES.map((r) => (r.alert === "McpToolsMissing" ? { ...r, expr: r.expr.replace("> 0", "> 5") } : r));
        writeRules("rules.yml", renderRuleGroups("mcp-system", "docs/runbook.md", loosened));
        const result = await run(["test", "rules", ...testFiles()]);
        expect(result.code).not.toBe(0);
        expect(result.output).toContain("alertname: McpToolsMissing");
    });
});
