import type { z } from "zod";
import { ConfigError, problemFromIssue } from "./errors";
import { BUILT_IN_SECRETS, type PlatformConfig, platformConfigSchema, SECRET_CONFIG_KEYS, secretSchema } from "./schema";
import { type ConfigProblem, semanticProblems } from "./semantics";

export const CONFIG_NAMESPACE = "mcp";

/**
 * Validates raw `mcp:` config (keys without the namespace, values already decoded) and returns
 * the typed config with defaults applied. Throws a ConfigError listing every problem.
 */
export function parsePlatformConfig(raw: Record<string, unknown>): PlatformConfig {
    const result = platformConfigSchema.safeParse(raw, { reportInput: true });
    const problems: ConfigProblem[] = [
        ...(result.error?.issues ?? []).flatMap((issue) => problemFromIssue(issue, keyHints)),
        ...semanticProblems(raw),
    ];
    if (problems.length > 0 || !result.success) {
        throw new ConfigError(unique(problems).map((p) => `${CONFIG_NAMESPACE}:${p.path} ${p.message}`));
    }
    return withBuiltInSecrets(result.data);
}

/**
 * The one decoder of `mcp:` stack config, for every place it comes from: Pulumi's flat config map
 * (`{"mcp:services": "<json>", "mcp:maintenance": "true"}`), a stack file's `config:` section
 * (typed YAML) and an update's recorded config. Returns raw config for `parsePlatformConfig`:
 * keys without the namespace, text decoded the way the program reads it. Secret keys and
 * encrypted (`secure:`) values are left out: the program reads them as secret Outputs.
 */
export function decodeStackConfig(entries: Record<string, unknown>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    const secretKeys = new Set<string>(SECRET_CONFIG_KEYS);
    for (const [fullKey, value] of Object.entries(entries)) {
        const [namespace, key] = splitKey(fullKey);
        if (namespace !== CONFIG_NAMESPACE || secretKeys.has(key) || isEncrypted(value)) continue;
        raw[key] = typeof value === "string" ? decode(value) : value;
    }
    return raw;
}

const isEncrypted = (value: unknown) => value !== null && typeof value === "object" && "secure" in value;

function splitKey(fullKey: string): [string, string] {
    const colon = fullKey.indexOf(":");
    return colon < 0 ? ["", fullKey] : [fullKey.slice(0, colon), fullKey.slice(colon + 1)];
}

/** Pulumi stores objects, numbers and booleans as JSON text and plain strings as they are. */
function decode(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

function withBuiltInSecrets(config: PlatformConfig): PlatformConfig {
    const secrets = { ...config.secrets };
    for (const name of BUILT_IN_SECRETS) secrets[name] ??= secretSchema.parse({});
    return { ...config, secrets };
}

function unique(problems: ConfigProblem[]): ConfigProblem[] {
    const seen = new Set<string>();
    return problems.filter((p) => {
        const key = `${p.path} ${p.message}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    });
}

type Schema = z.core.$ZodType;
const defOf = (schema: Schema) => schema._zod.def as unknown as Record<string, unknown> & { type: string; shape?: Record<string, Schema> };
/** Wrappers (default, optional, record, array) whose inner schema describes the keys below them. */
const unwrap = (schema: Schema): Schema | undefined => {
    const def = defOf(schema);
    return (def.innerType ?? def.valueType ?? def.element ?? def.in) as Schema | undefined;
};

/** The keys the schema allows in the object at `path`, for "did you mean" hints. */
function keysAt(path: ReadonlyArray<PropertyKey>): string[] {
    let schema: Schema | undefined = platformConfigSchema;
    let remaining = [...path];
    while (schema) {
        const def = defOf(schema);
        if (def.type === "object") {
            if (remaining.length === 0) return Object.keys(def.shape ?? {});
            schema = def.shape?.[String(remaining.shift())];
        } else if (def.type === "record" || def.type === "array") {
            remaining = remaining.slice(1);
            schema = unwrap(schema);
        } else {
            schema = unwrap(schema);
        }
    }
    return [];
}

/** Where each key name is allowed, for keys written at the wrong level ("mcp:lockdown"). */
const keyHomes = new Map<string, string[]>();
(function indexKeys(schema: Schema, at: string) {
    const def = defOf(schema);
    if (def.type === "object") {
        for (const [key, child] of Object.entries(def.shape ?? {})) {
            const path = at ? `${at}.${key}` : key;
            keyHomes.set(key, [...(keyHomes.get(key) ?? []), path]);
            indexKeys(child, path);
        }
        return;
    }
    const inner = unwrap(schema);
    if (inner) indexKeys(inner, def.type === "record" ? `${at}.<name>` : at);
})(platformConfigSchema, "");

const keyHints = { keysAt, homesOf: (key: string) => keyHomes.get(key) ?? [] };

export { ConfigError };
