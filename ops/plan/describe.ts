import type { Plan } from "./types";

const show = (value: unknown) => (value === undefined ? "(unset)" : JSON.stringify(value));
const isMap = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * The edits of a plan as one line per changed value (`services.router.replicas: 3 -> 1`): maps
 * are walked down to the keys that differ, so a rollback that restores whole sections still
 * shows only what it changes. Lists are shown whole.
 */
export function describeEdits(edits: Plan["edits"]): string[] {
    return edits.flatMap((e) => changedLeaves(e.path, e.from, e.to));
}

function changedLeaves(path: string, from: unknown, to: unknown): string[] {
    // A section added or removed whole is shown key by key too: unset on the other side.
    if ((isMap(from) || from === undefined) && (isMap(to) || to === undefined) && (isMap(from) || isMap(to))) {
        from ??= {};
        to ??= {};
        const [a, b] = [from as Record<string, unknown>, to as Record<string, unknown>];
        const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
        return keys.flatMap((key) => changedLeaves(`${path}.${key}`, a[key], b[key]));
    }
    return JSON.stringify(from) === JSON.stringify(to) ? [] : [`${path}: ${show(from)} -> ${show(to)}`];
}
