import { ConfigError, parsePlatformConfig } from "../../config/load";
import type { PlatformConfig } from "../../config/schema";
import { InvalidInputError } from "../errors";
import { scopeOfEdits } from "./scope";
import type { CurrentConfig, Plan } from "./types";

/** A JSON deep copy: raw config is plain data. */
const clone = <T>(value: T): T => (value === undefined ? value : JSON.parse(JSON.stringify(value)));

/**
 * Builds a plan from edits to the current raw stack config (keys without namespace). Setting a value
 * to undefined removes it. The edited config is validated with the platform's own schema, so
 * an op can never write a config that `pulumi up` would refuse.
 */
export function planEdits(
    operation: string,
    summary: string,
    current: CurrentConfig,
    edits: Array<{ path: string; to: unknown }>,
    rollouts: (config: PlatformConfig) => string[],
): Plan {
    const next = clone(current.raw);
    const applied: Plan["edits"] = [];
    for (const { path, to } of edits) {
        const keys = path.split(".");
        let node = next as Record<string, unknown>;
        for (const key of keys.slice(0, -1)) {
            if (node[key] === undefined || node[key] === null || typeof node[key] !== "object") node[key] = {};
            node = node[key] as Record<string, unknown>;
        }
        const last = keys[keys.length - 1];
        const from = node[last];
        if (JSON.stringify(from) === JSON.stringify(to)) continue;
        if (to === undefined) delete node[last];
        else node[last] = clone(to);
        applied.push({ path, from, to });
    }
    let config: PlatformConfig;
    try {
        config = parsePlatformConfig(next);
    } catch (error) {
        if (error instanceof ConfigError) {
            throw new InvalidInputError(
                `${operation} would make the stack config invalid; nothing was ` +
                    `changed:\n${error.problems.map((p) => `  - ${p}`).join("\n")}`,
            );
        }
        throw error;
    }
    // Writing a default explicitly changes the file but not the platform: that is no change.
    const noop = applied.length === 0 || JSON.stringify(current.config) === JSON.stringify(config);
    const topKeys = [...new Set(applied.map((e) => e.path.split(".")[0]))];
    return {
        operation,
        summary,
        edits: applied,
        config: next,
        changes: topKeys.map((key) => ({ key, before: current.raw[key], after: next[key] })),
        rollouts: noop ? [] : rollouts(config),
        noop,
        scope: noop ? undefined : scopeOfEdits(applied, config),
    };
}
