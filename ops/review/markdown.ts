import type { ReviewSummary } from "./summarize";

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

/** A pull-request comment: risks first, then counts, changed resources and policy results. */
export function reviewMarkdown(stack: string, summary: ReviewSummary): string {
    const lines: string[] = [`## Preview of \`${stack}\``, ""];
    if (summary.highRisk.length > 0) {
        lines.push(`> **High risk: ${summary.highRisk.length} stateful resource(s) replaced or deleted.** Approval required.`, "");
        for (const c of summary.highRisk)
            lines.push(
                `- **${c.op}** ${code(c.type)} ${code(c.name)}: ` +
                    `${c.why}${c.replacedBecause.length ? ` (because of ${c.replacedBecause.map(code).join(", ")})` : ""}`,
            );
        lines.push("");
    }
    if (summary.catalog.length > 0) {
        lines.push("> **MCP tool catalog changes:** the tools these servers may offer change. Approval required.", "");
        for (const c of summary.catalog) {
            const parts = [
                c.added.length ? `added ${c.added.map(code).join(", ")}` : "",
                c.removed.length ? `removed ${c.removed.map(code).join(", ")}` : "",
                ...c.changed.map((t) => `${code(t.tool)} changed its ${t.fields.join(" and ")}`),
            ];
            lines.push(`- ${code(c.server)}: ${parts.filter(Boolean).join("; ")}`);
        }
        lines.push("");
    }
    if (summary.policy.mandatory.length > 0) {
        lines.push(`> **${summary.policy.mandatory.length} mandatory policy violation(s)**: the update will be refused.`, "");
    }
    const counts = Object.entries(summary.counts).filter(([op]) => op !== "same");
    const unchanged = summary.counts.same ? ` (${summary.counts.same} unchanged)` : "";
    lines.push(counts.length ? `**Changes:** ${counts.map(([op, n]) => `${n} to ${op}`).join(", ")}${unchanged}` : "**No changes.**", "");
    if (summary.changes.length > 0) {
        lines.push("| operation | type | resource | fields |", "|---|---|---|---|");
        for (const c of summary.changes)
            lines.push(`| ${c.op} | ${code(c.type)} | ${code(c.name)} | ${c.fields.map(code).join(", ") || "—"} |`);
        lines.push("");
    }
    for (const [level, findings] of [
        ["Mandatory", summary.policy.mandatory],
        ["Advisory", summary.policy.advisory],
    ] as const) {
        if (findings.length === 0) continue;
        lines.push(
            `**${level} policy findings:**`,
            "",
            ...findings.map((f) => `- ${code(f.policy)}${f.resource ? ` on ${code(f.resource)}` : ""}: ${f.message}`),
            "",
        );
    }
    if (summary.policy.mandatory.length + summary.policy.advisory.length === 0) lines.push("**Policies:** all passed.", "");
    if (summary.errors.length > 0) lines.push("**Errors:**", "", ...summary.errors.map((e) => `- ${e}`), "");
    return `${lines.join("\n").trimEnd()}\n`;
}
