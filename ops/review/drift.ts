import type { EngineEvent } from "./summarize";

export interface DriftedField {
    field: string;
    declared: unknown;
    live: unknown;
}

export interface DriftedResource {
    type: string;
    name: string;
    /** "changed" (fields differ) or "deleted" (gone from the cluster). */
    kind: "changed" | "deleted";
    fields: DriftedField[];
}

/** Splits a Pulumi property path (`spec.template.metadata.labels["app.kubernetes.io/name"]`, `ports[0]`). */
export function propertyPath(path: string): Array<string | number> {
    const segments: Array<string | number> = [];
    const pattern = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
    for (const m of path.matchAll(pattern)) segments.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : JSON.parse(`"${m[3]}"`)));
    return segments;
}

const valueAt = (root: unknown, path: string): unknown =>
    propertyPath(path).reduce<unknown>(
        (node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key as string] : undefined),
        root,
    );

/**
 * Out-of-band changes, field by field, from a refresh preview's events: what the state recorded
 * (declared) against what the cluster has now (live). A refresh announces every resource as a
 * "refresh" step; what it found comes after, in the step's outputs event: "update" with the fields
 * that differ, or "delete" for an object that is gone. The provider reads the live object back as
 * inputs, so declared and live are compared on the fields the program declares, not on status.
 * The engine blinds secret values, so they show as "[secret]".
 */
export function driftReport(events: EngineEvent[]): DriftedResource[] {
    const drifted = new Map<string, DriftedResource>();
    for (const event of events) {
        const step = event.resOutputsEvent?.metadata;
        if (!step || step.type.startsWith("pulumi:")) continue;
        const name = step.urn.slice(step.urn.lastIndexOf("::") + 2);
        if (step.op === "delete") {
            drifted.set(step.urn, { type: step.type, name, kind: "deleted", fields: [] });
        } else if (step.op === "update" && step.detailedDiff && Object.keys(step.detailedDiff).length > 0) {
            const declared = step.old?.inputs ?? step.old?.outputs;
            const live = step.new?.inputs ?? step.new?.outputs;
            const fields = Object.keys(step.detailedDiff)
                .sort()
                .map((field) => ({ field, declared: valueAt(declared, field), live: valueAt(live, field) }));
            drifted.set(step.urn, { type: step.type, name, kind: "changed", fields });
        }
    }
    return [...drifted.values()];
}

const shown = (value: unknown) => (value === undefined ? "(absent)" : JSON.stringify(value));

export function renderDrift(drifted: DriftedResource[]): string {
    if (drifted.length === 0) return "no drift: the cluster matches the declared state";
    return drifted
        .map((d) =>
            d.kind === "deleted"
                ? `${d.type} ${d.name}: deleted out of band`
                : [
                      `${d.type} ${d.name}:`,
                      ...d.fields.map((f) => `  ${f.field}: declared ${shown(f.declared)}, live ${shown(f.live)}`),
                  ].join("\n"),
        )
        .join("\n");
}
