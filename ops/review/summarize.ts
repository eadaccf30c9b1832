/**
 * A change review from the engine's events (`pulumi preview --event-log <file>`, or the
 * Automation API's onEvent): what changes, which fields, what is risky, what policies said.
 * Only field names are reported, never values, so secrets cannot leak into a PR comment.
 */
import { type CatalogChange, catalogChanges } from "./catalog";

export interface EngineEvent {
    resourcePreEvent?: { metadata: StepMetadata };
    /** A step's result; for a refresh, what it found (op "update" or "delete"). */
    resOutputsEvent?: { metadata: StepMetadata };
    policyEvent?: { resourceUrn?: string; message: string; policyName: string; policyPackName: string; enforcementLevel: string };
    summaryEvent?: { resourceChanges?: Record<string, number> };
    diagnosticEvent?: { urn?: string; message: string; severity: string };
}

export interface StepMetadata {
    op: string;
    urn: string;
    type: string;
    diffs?: string[];
    detailedDiff?: Record<string, { diffKind: string }> | null;
    old?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> } | null;
    new?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> } | null;
}

export interface ChangedResource {
    op: string;
    type: string;
    name: string;
    /** Top-level and nested field paths that change (values are never shown). */
    fields: string[];
    /** Fields forcing a replacement. */
    replacedBecause: string[];
    highRisk: boolean;
    why?: string;
}

export interface ReviewSummary {
    counts: Record<string, number>;
    changes: ChangedResource[];
    highRisk: ChangedResource[];
    policy: { mandatory: PolicyFinding[]; advisory: PolicyFinding[] };
    errors: string[];
    /** Changes of the reviewed MCP tool catalogs; they need an approval like high-risk changes. */
    catalog: CatalogChange[];
}

export interface PolicyFinding {
    policy: string;
    resource?: string;
    message: string;
}

/** Resources whose replacement or deletion loses data or credentials. */
const STATEFUL = [
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "kubernetes:core/v1:PersistentVolume",
    "kubernetes:core/v1:Secret",
    "kubernetes:core/v1:Namespace",
    "aws:s3/bucket:Bucket",
    "random:index/randomPassword:RandomPassword",
];

const DESTRUCTIVE = new Set(["replace", "create-replacement", "delete-replaced", "delete", "discard", "discard-replaced"]);
const NO_CHANGE = new Set(["same", "read", "refresh"]);

const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

export function summarizeEvents(events: EngineEvent[]): ReviewSummary {
    const byUrn = new Map<string, ChangedResource>();
    const counts: Record<string, number> = {};
    const policy: ReviewSummary["policy"] = { mandatory: [], advisory: [] };
    const errors: string[] = [];

    for (const event of events) {
        const step = event.resourcePreEvent?.metadata;
        if (step && !NO_CHANGE.has(step.op) && !step.type.startsWith("pulumi:pulumi:Stack")) {
            const detailed = step.detailedDiff ?? {};
            const fields = [...new Set([...Object.keys(detailed), ...(step.diffs ?? [])])].sort();
            const replacedBecause = Object.entries(detailed)
                .filter(([, d]) => d.diffKind.endsWith("-replace"))
                .map(([field]) => field)
                .sort();
            const destructive = DESTRUCTIVE.has(step.op);
            const highRisk = destructive && STATEFUL.includes(step.type);
            const existing = byUrn.get(step.urn);
            // A replacement shows as several steps (create-replacement, replace, delete-replaced):
            // they merge into one row whose operation is "replace".
            byUrn.set(step.urn, {
                op: existing && (step.op.includes("replace") || existing.op.includes("replace")) ? "replace" : step.op,
                type: step.type,
                name: nameOf(step.urn),
                fields: [...new Set([...(existing?.fields ?? []), ...fields])].sort(),
                replacedBecause: [...new Set([...(existing?.replacedBecause ?? []), ...replacedBecause])].sort(),
                highRisk: highRisk || (existing?.highRisk ?? false),
                why: highRisk
                    ? `${step.op.includes("replace") ? "replacement" : step.op} of a ${step.type.split(":").pop()} loses its data or ` +
                      `credentials`
                    : existing?.why,
            });
        }
        if (event.policyEvent) {
            const p = event.policyEvent;
            const finding = {
                policy: `${p.policyPackName}/${p.policyName}`,
                resource: p.resourceUrn ? nameOf(p.resourceUrn) : undefined,
                message: p.message.trim(),
            };
            (p.enforcementLevel === "mandatory" ? policy.mandatory : policy.advisory).push(finding);
        }
        if (event.summaryEvent?.resourceChanges) Object.assign(counts, event.summaryEvent.resourceChanges);
        if (event.diagnosticEvent?.severity === "error") errors.push(event.diagnosticEvent.message.trim());
    }
    const changes = [...byUrn.values()].sort(
        (a, b) => Number(b.highRisk) - Number(a.highRisk) || a.type.localeCompare(b.type) || a.name.localeCompare(b.name),
    );
    if (Object.keys(counts).length === 0) for (const c of changes) counts[c.op] = (counts[c.op] ?? 0) + 1;
    return { counts, changes, highRisk: changes.filter((c) => c.highRisk), policy, errors, catalog: catalogChanges(events) };
}

/** Parses an event log: one JSON engine event per line. */
export function parseEventLog(text: string): EngineEvent[] {
    return text
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean)
        .map((line) => JSON.parse(line) as EngineEvent);
}
