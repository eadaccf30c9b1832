import type { ToolFingerprint } from "../../config/schema";
import { compareCatalogs } from "../health/catalog";
import type { EngineEvent } from "./summarize";

/** How a server's reviewed tool catalog changes in an update. */
export interface CatalogChange {
    server: string;
    /** Tools locked for the first time (every tool, when the server had no lock). */
    added: string[];
    /** Tools no longer in the lock. */
    removed: string[];
    /** Tools whose input schema or description hash changes. */
    changed: Array<{ tool: string; fields: Array<keyof ToolFingerprint> }>;
}

type Locks = Record<string, Record<string, ToolFingerprint>>;

/** The prober's ConfigMap carries every server's lock: its targets before and after, from the step's own inputs. */
const PROBER_TARGETS = /::mcp:observability:Prober\$kubernetes:core\/v1:ConfigMap::/;

function locksIn(inputs: Record<string, unknown> | undefined): Locks {
    const text = (inputs?.data as Record<string, string> | undefined)?.["targets.json"];
    if (!text) return {};
    const { servers } = JSON.parse(text) as { servers: Array<{ name: string; toolLock?: Record<string, ToolFingerprint> }> };
    return Object.fromEntries(servers.filter((s) => s.toolLock).map((s) => [s.name, s.toolLock!]));
}

/**
 * Tool catalog changes in a preview, read from the step that updates the prober's targets: the
 * catalog a pull request asks reviewers to approve, tool by tool.
 */
export function catalogChanges(events: EngineEvent[]): CatalogChange[] {
    const step = events.map((e) => e.resourcePreEvent?.metadata).find((m) => m && m.op !== "same" && PROBER_TARGETS.test(m.urn));
    if (!step) return [];
    const [before, after] = [locksIn(step.old?.inputs), locksIn(step.new?.inputs)];
    const servers = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return servers
        .map((server) => {
            const { missing, added, changed } = compareCatalogs(before[server] ?? {}, after[server] ?? {});
            return { server, added, removed: missing, changed };
        })
        .filter((c) => c.added.length + c.removed.length + c.changed.length > 0);
}
