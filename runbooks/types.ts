/** The runbook registry's shape. docs/runbook.md is generated from it; nothing else is hand-written there. */

export type Severity = "SEV1" | "SEV2" | "SEV3" | "SEV4";

export const SEVERITIES: Record<Severity, { meaning: string; response: string; page: boolean }> = {
    SEV1: { meaning: "Platform down or data at risk for all users", response: "15 minutes, around the clock", page: true },
    SEV2: {
        meaning: "Major feature degraded, error rate above 5%, or a security incident",
        response: "30 minutes, around the clock",
        page: true,
    },
    SEV3: {
        meaning: "Partial degradation with a workaround, or a risk that will become an incident",
        response: "4 hours, business hours",
        page: false,
    },
    SEV4: { meaning: "Routine maintenance, no user impact", response: "next business day", page: false },
};

/** One step: what to do, and the command that does it when there is one. */
export interface Step {
    say: string;
    /** A shell command. `mcp-ops <verb>` commands are checked against the CLI. */
    run?: string;
    /** The command is designed but not shipped yet; the step says what to do meanwhile. */
    planned?: boolean;
}

export interface Runbook {
    /** Anchor in docs/runbook.md; alerts link to it. */
    id: string;
    title: string;
    purpose: string;
    severity: Severity;
    /** Which kind of work this is, for the generated sections. */
    category: "daily" | "incident" | "change" | "maintenance" | "security" | "data";
    prerequisites: string[];
    steps: Step[];
    verification: string[];
    rollback: string[];
    escalation: string;
    /** How the procedure is delivered: declared resource, ops command, alert, or documentation only. */
    delivery: Array<"resource" | "command" | "alert" | "document">;
    /** Procedures of the original runbooks this entry replaces. */
    replaces: string[];
    /** For recurring maintenance. */
    cadence?: "daily" | "weekly" | "monthly";
}
