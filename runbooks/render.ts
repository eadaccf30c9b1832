import { ALERT_RULES, type AlertRule } from "../components/alertRules";
import { RUNBOOKS } from "./registry";
import { type Runbook, type Severity, SEVERITIES, type Step } from "./types";

/** docs/runbook.md, generated from the registry and the alert rules. Pure: same input, same text. */
export function renderRunbookBook(runbooks: readonly Runbook[] = RUNBOOKS, alerts: readonly AlertRule[] = ALERT_RULES): string {
    const link = (id: string) => {
        const r = runbooks.find((x) => x.id === id);
        return r ? `[${r.title}](#${r.id})` : id;
    };
    const out: string[] = [];
    const add = (...lines: string[]) => out.push(...lines);

    add(
        "# MCP platform runbook",
        "",
        "<!-- Generated from runbooks/registry.ts and components/alertRules.ts by `npm run docs:runbook`. Do not edit by hand. -->",
        "",
        "Every procedure here is a declared resource, an `mcp-ops` command, an alert, or this document.",
        "Commands marked *planned* are designed but not shipped yet; their step says how to reach the same",
        "desired state meanwhile (stack config and `pulumi up`, never a `kubectl` change that the next",
        "deployment would silently revert).",
        "",
        "## Contents",
        "",
        "- [Severity levels and escalation](#severity-levels-and-escalation)",
        "- [Daily operations checklist](#daily-operations-checklist)",
        "- [Maintenance calendar](#maintenance-calendar)",
        "- [Incident response by severity](#incident-response-by-severity)",
        "- [Alert interpretation](#alert-interpretation)",
        "- [Communication templates](#communication-templates)",
        "- [Post-incident review](#post-incident-review)",
        "- [Runbooks](#runbooks)",
        "",
        "## Severity levels and escalation",
        "",
        "| severity | meaning | response | page on-call |",
        "|---|---|---|---|",
        ...(Object.entries(SEVERITIES) as Array<[Severity, (typeof SEVERITIES)[Severity]]>).map(
            ([s, d]) => `| ${s} | ${d.meaning} | ${d.response} | ${d.page ? "yes" : "no"} |`,
        ),
        "",
        "Escalation matrix:",
        "",
        "| runbook | severity | escalate when |",
        "|---|---|---|",
        ...runbooks
            .filter((r) => r.category === "incident" || r.category === "security" || r.category === "data")
            .map((r) => `| ${link(r.id)} | ${r.severity} | ${r.escalation} |`),
        "",
        "## Daily operations checklist",
        "",
    );
    for (const r of runbooks.filter((x) => x.cadence === "daily")) {
        add(`### ${r.title}`, "", ...r.steps.map((s, i) => `${i + 1}. ${stepText(s)}`), "");
    }

    add("## Maintenance calendar", "", "| cadence | runbook | purpose |", "|---|---|---|");
    for (const cadence of ["daily", "weekly", "monthly"] as const) {
        for (const r of runbooks.filter((x) => x.cadence === cadence)) add(`| ${cadence} | ${link(r.id)} | ${r.purpose} |`);
    }
    add("");

    add("## Incident response by severity", "");
    for (const severity of Object.keys(SEVERITIES) as Severity[]) {
        const matching = runbooks.filter((r) => r.severity === severity && r.category !== "daily" && r.category !== "maintenance");
        if (matching.length === 0) continue;
        add(
            `### ${severity}: ${SEVERITIES[severity].meaning} (respond within ${SEVERITIES[severity].response})`,
            "",
            ...matching.map((r) => `- ${link(r.id)}: ${r.purpose}`),
            "",
        );
    }

    add("## Alert interpretation", "", "| alert | severity | fires when | runbook | first command |", "|---|---|---|---|---|");
    for (const a of alerts)
        add(
            `| ${a.alert} | ${a.severity} | ${a.summary.replace(/\{\{[^}]*\}\}/g, "…")} (for ${a.for}) | ${link(a.runbook)} | ` +
                `\`${a.command}\` |`,
        );
    add("");

    add(
        "## Communication templates",
        "",
        "Opening (within the response time):",
        "",
        "```",
        "[SEVx] <service or feature> <degraded|unavailable> since <time UTC>.",
        "Impact: <who is affected and how>. We are investigating; next update by <time UTC>.",
        "Incident lead: <name>. Channel: <link>.",
        "```",
        "",
        "Update (SEV1 every 30 minutes, SEV2 every hour):",
        "",
        "```",
        "[SEVx update] <what we know>, <what we did>, <what we do next>. Next update by <time UTC>.",
        "```",
        "",
        "Resolved:",
        "",
        "```",
        "[SEVx resolved] <service> is back to normal since <time UTC>. Cause: <one line>.",
        "A post-incident review follows within 5 business days.",
        "```",
        "",
        "## Post-incident review",
        "",
        "Held for every SEV1 and SEV2 within 5 business days, without blame. Record:",
        "",
        "1. Timeline (detection, response, mitigation, resolution) from the alert history and `pulumi stack history`.",
        "2. Impact: users affected, duration, data lost if any.",
        "3. Cause, and why it was not caught earlier (preview, policy, alert).",
        "4. What went well, what did not.",
        "5. Actions with owners and dates: a runbook, alert, policy or test for each gap.",
        "",
        "## Runbooks",
        "",
    );
    for (const r of runbooks) add(...renderRunbook(r), "");
    return `${out.join("\n").trimEnd()}\n`;
}

function stepText(s: Step): string {
    if (!s.run) return s.say;
    return s.planned ? `${s.say}: \`${s.run}\` (*planned*)` : `${s.say}: \`${s.run}\``;
}

export function renderRunbook(r: Runbook): string[] {
    const list = (items: string[]) => items.map((i) => `- ${i}`);
    return [
        `### ${r.title}`,
        `<a id="${r.id}"></a>`,
        "",
        `**Purpose:** ${r.purpose}`,
        "",
        `**Severity:** ${r.severity} (${SEVERITIES[r.severity].response}). **Delivered as:** ` +
            `${r.delivery.join(", ")}.${r.cadence ? ` **Cadence:** ${r.cadence}.` : ""}`,
        "",
        "**Prerequisites:**",
        ...list(r.prerequisites),
        "",
        "**Steps:**",
        ...r.steps.map((s, i) => `${i + 1}. ${stepText(s)}`),
        "",
        "**Verification:**",
        ...list(r.verification),
        "",
        "**Rollback:**",
        ...list(r.rollback),
        "",
        `**Escalation:** ${r.escalation}`,
        "",
        `**Replaces:** ${r.replaces.join("; ")}`,
    ];
}
