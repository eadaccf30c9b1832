import type Redis from "ioredis";
import { InvalidInputError } from "../errors";
import { assertNarrowPattern } from "./sweep";

export interface TtlRule {
    /** Key prefix, e.g. "session:". */
    prefix: string;
    ttlSeconds: number;
}

export interface CachePolicy {
    rules: TtlRule[];
    /** e.g. "768mb"; unset leaves maxmemory as it is. */
    maxmemory?: string;
    /** e.g. "allkeys-lru"; unset leaves the policy as it is. */
    maxmemoryPolicy?: string;
}

export interface RuleOutcome extends TtlRule {
    /** Keys under the prefix. */
    matched: number;
    /** Keys whose TTL is absent or longer than the rule, which the rule shortens. */
    changed: number;
}

export interface CachePolicyReport {
    preview: boolean;
    rules: RuleOutcome[];
    config: Array<{ parameter: string; from: string; to: string }>;
}

/**
 * Applies TTLs by prefix with `EXPIRE key ttl LT`, which only ever shortens a key's life (a
 * key without TTL counts as infinite), so repeated runs are harmless and no key lives longer
 * than before. Keys are found with SCAN and updated in pipelines. `preview` counts per rule.
 */
export async function applyCachePolicy(
    redis: Redis,
    policy: CachePolicy,
    options: { preview?: boolean; count?: number } = {},
): Promise<CachePolicyReport> {
    for (const rule of policy.rules) {
        assertNarrowPattern(`${rule.prefix}*`);
        if (!Number.isInteger(rule.ttlSeconds) || rule.ttlSeconds <= 0) {
            throw new InvalidInputError(`TTL rule "${rule.prefix}" has ttl ${rule.ttlSeconds}; use a whole number of seconds above 0`);
        }
    }
    const preview = options.preview ?? false;
    const rules: RuleOutcome[] = [];
    for (const rule of policy.rules) {
        const seen = new Set<string>();
        let changed = 0;
        let cursor = "0";
        do {
            const [next, found] = await redis.scan(cursor, "MATCH", `${escapeGlob(rule.prefix)}*`, "COUNT", options.count ?? 1000);
            cursor = next;
            const keys = found.filter((k) => !seen.has(k));
            for (const k of keys) seen.add(k);
            if (keys.length === 0) continue;
            const pipeline = redis.pipeline();
            for (const key of keys) {
                if (preview) pipeline.ttl(key);
                else pipeline.call("EXPIRE", key, String(rule.ttlSeconds), "LT");
            }
            for (const [, reply] of (await pipeline.exec()) ?? []) {
                const n = Number(reply);
                if (preview ? n === -1 || n > rule.ttlSeconds : n === 1) changed += 1;
            }
        } while (cursor !== "0");
        rules.push({ ...rule, matched: seen.size, changed });
    }

    const config: CachePolicyReport["config"] = [];
    for (const [parameter, to] of [
        ["maxmemory", policy.maxmemory],
        ["maxmemory-policy", policy.maxmemoryPolicy],
    ] as const) {
        if (to === undefined) continue;
        const [, from] = (await redis.config("GET", parameter)) as [string, string];
        config.push({ parameter, from, to });
        if (!preview) await redis.config("SET", parameter, to);
    }
    return { preview, rules, config };
}

/** Prefixes are literal: glob characters in them are escaped for SCAN MATCH. */
function escapeGlob(prefix: string): string {
    return prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
