import type { z } from "zod";
import type { ConfigProblem } from "./semantics";

/** Thrown when stack config is invalid; lists every problem, each as `mcp:<path> <what and fix>`. */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(
            `Invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was changed:\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
    return path.reduce<string>((out, segment) => {
        if (typeof segment === "number") return `${out}[${segment}]`;
        return out.length === 0 ? String(segment) : `${out}.${String(segment)}`;
    }, "");
}

const show = (value: unknown): string => (typeof value === "string" ? `"${value}"` : JSON.stringify(value));

/** Turns a schema issue into a problem whose message says what to do. */
export interface KeyHints {
    /** Keys allowed in the object at a path. */
    keysAt(path: ReadonlyArray<PropertyKey>): string[];
    /** Full paths where a key name is allowed. */
    homesOf(key: string): string[];
}

export function problemFromIssue(issue: z.core.$ZodIssue, hints: KeyHints): ConfigProblem[] {
    const path = formatPath(issue.path);
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
        case "invalid_type":
            if (input === undefined) return [{ path, message: "is required" }];
            return [{ path, message: `must be ${article(issue.expected)}, got ${show(input)}` }];
        case "too_small":
            return [{ path, message: `(${show(input)}) must be >= ${String(issue.minimum)}` }];
        case "too_big":
            return [{ path, message: `(${show(input)}) must be <= ${String(issue.maximum)}` }];
        case "invalid_value":
            if (input === undefined) return [{ path, message: `is required; set it to one of ${issue.values.map(show).join(", ")}` }];
            return [{ path, message: `must be one of ${issue.values.map(show).join(", ")}, got ${show(input)}` }];
        case "unrecognized_keys":
            return issue.keys.map((key) => ({
                path: path ? `${path}.${key}` : key,
                message: `is not a known setting; ${unknownKeyHint(key, issue.path, hints)}`,
            }));
        case "invalid_key":
            return [{ path, message: "is not a valid name: names must be DNS labels (lower-case letters, digits, '-')" }];
        default:
            // Custom messages from the schema already say what is expected.
            return [{ path, message: `${issue.message}${input !== undefined && typeof input !== "object" ? `, got ${show(input)}` : ""}` }];
    }
}

function unknownKeyHint(key: string, at: ReadonlyArray<PropertyKey>, hints: KeyHints): string {
    const sibling = closest(key, hints.keysAt(at));
    if (sibling) return `did you mean "${sibling}"?`;
    const homes = hints.homesOf(key);
    if (homes.length > 0) return `it belongs under ${homes.map((h) => `mcp:${h}`).join(" or ")}`;
    return "remove it or fix the spelling";
}

function article(expected: string): string {
    const noun = expected === "int" ? "whole number" : expected;
    return `${/^[aeiou]/.test(noun) ? "an" : "a"} ${noun}`;
}

function closest(key: string, candidates: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = 3;
    for (const candidate of candidates) {
        const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
        if (d < bestDistance) {
            best = candidate;
            bestDistance = d;
        }
    }
    return best;
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length];
}
