import type { V1LabelSelector } from "../kube/client";

/**
 * Whether a label selector selects an object with these labels, as the API server decides it:
 * every matchLabels pair and every matchExpressions requirement must hold; an empty selector
 * selects everything (a NetworkPolicy's `podSelector: {}` is every pod of its namespace).
 */
export function selects(selector: V1LabelSelector | undefined, labels: Record<string, string>): boolean {
    if (!selector) return true;
    for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
    for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
        const has = key in labels;
        const holds =
            operator === "In"
                ? has && values.includes(labels[key])
                : operator === "NotIn"
                  ? !has || !values.includes(labels[key])
                  : operator === "Exists"
                    ? has
                    : operator === "DoesNotExist"
                      ? !has
                      : false;
        if (!holds) return false;
    }
    return true;
}

/** A selector as a person reads it: `app=gateway,tier in (a,b)`; `(all)` for the empty one. */
export function describeSelector(selector: V1LabelSelector | undefined): string {
    const parts = [
        ...Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
        ...(selector?.matchExpressions ?? []).map(({ key, operator, values }) =>
            operator === "Exists"
                ? key
                : operator === "DoesNotExist"
                  ? `!${key}`
                  : `${key} ${operator.toLowerCase()} (${(values ?? []).join(",")})`,
        ),
    ];
    return parts.length ? parts.join(",") : "(all)";
}
