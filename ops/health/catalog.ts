import { createHash } from "node:crypto";
import type { ToolFingerprint } from "../../config/schema";

/** A tool as `tools/list` returns it (the parts a catalog lock covers). */
export interface ListedTool {
    name: string;
    description?: string;
    inputSchema?: unknown;
}

/** How a server's tool list differs from its lock. */
export interface CatalogDrift {
    /** Locked tools the server no longer lists. */
    missing: string[];
    /** Tools the server lists that were never locked. */
    added: string[];
    /** Locked tools whose input schema or description changed since they were reviewed. */
    changed: Array<{ tool: string; fields: Array<"inputSchema" | "description"> }>;
}

/** JSON with object keys sorted, so the same schema always hashes the same whatever order a server writes it in. */
function canonical(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
        return `{${entries
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
            .join(",")}}`;
    }
    return JSON.stringify(value ?? null);
}

const sha256 = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

/** What `mcp-ops tools lock` records of a tool: hashes, so a lock reveals nothing of the schema and stays small. */
function fingerprint(tool: ListedTool): ToolFingerprint {
    return { inputSchema: sha256(canonical(tool.inputSchema ?? {})), description: sha256(tool.description ?? "") };
}

export function lockOf(tools: ListedTool[]): Record<string, ToolFingerprint> {
    return Object.fromEntries([...tools].sort((a, b) => (a.name < b.name ? -1 : 1)).map((t) => [t.name, fingerprint(t)]));
}

/**
 * How a catalog differs from the reviewed one: tools gone, tools new, and tools whose input schema
 * or description hash differs. Health compares a server's listing with its lock; a review, the lock
 * before an update with the lock after it.
 */
export function compareCatalogs(reviewed: Record<string, ToolFingerprint>, now: Record<string, ToolFingerprint>): CatalogDrift {
    const changed: CatalogDrift["changed"] = [];
    for (const [name, locked] of Object.entries(reviewed)) {
        if (!now[name]) continue;
        const fields = (["inputSchema", "description"] as const).filter((field) => now[name][field] !== locked[field]);
        if (fields.length > 0) changed.push({ tool: name, fields });
    }
    return {
        missing: Object.keys(reviewed).filter((name) => !now[name]),
        added: Object.keys(now).filter((name) => !reviewed[name]),
        changed,
    };
}

/** A server's listing against its lock (in the order the server lists its tools). */
export function catalogDrift(lock: Record<string, ToolFingerprint>, listed: ListedTool[]): CatalogDrift {
    return compareCatalogs(lock, Object.fromEntries(listed.map((t) => [t.name, fingerprint(t)])));
}

const FIELD_NAMES = { inputSchema: "input schema", description: "description" } as const;

/** One line per difference, for reports and reasons. */
export function describeDrift(d: CatalogDrift): string[] {
    return [
        ...d.missing.map((t) => `tool ${t} is locked but no longer listed`),
        ...d.added.map((t) => `tool ${t} is listed but not in the lock`),
        ...d.changed.map((c) => `tool ${c.tool} changed its ${c.fields.map((f) => FIELD_NAMES[f]).join(" and ")} since it was locked`),
    ];
}
