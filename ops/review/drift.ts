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

const valueAt = (root: unknown, path: string): unknown =>
    path
        .replace(/\[(\d+)\]/g, ".$1")
        .split(".")
        .reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined), root);

/**
 * Out-of-band changes, field by field, from a refresh preview's events: what the state
 * recorded (declared) against what the cluster has now (live). The engine blinds secret values,
 * so they show as "[secret]".
 */
export function driftReport(events: EngineEvent[]): DriftedResource[] {
    const drifted: DriftedResource[] = [];
    for (const event of events) {
        const step = event.resourcePreEvent?.metadata;
        if (!step || step.type.startsWith("pulumi:")) continue;
        const name = step.urn.slice(step.urn.lastIndexOf("::") + 2);
        if (step.op === "delete") {
            drifted.push({ type: step.type, name, kind: "deleted", fields: [] });
        } else if (step.op === "update" && step.detailedDiff && Object.keys(step.detailedDiff).length > 0) {
            const fields = Object.keys(step.detailedDiff)
                .sort()
                .map((field) => ({ field, declared: valueAt(step.old?.outputs, field), live: valueAt(step.new?.outputs, field) }));
            drifted.push({ type: step.type, name, kind: "changed", fields });
        }
    }
    return drifted;
}

export function renderDrift(drifted: DriftedResource[]): string {
    if (drifted.length === 0) return "no drift: the cluster matches the declared state";
    return drifted
        .map((d) =>
            d.kind === "deleted"
                ? `${d.type} ${d.name}: deleted out of band`
                : [`${d.type} ${d.name}:`, ...d.fields.map((f) => `  ${f.field}: declared ${JSON.stringify(f.declared)}, live ${JSON.stringify(f.live)}`)].join("\n"),
        )
        .join("\n");
}
