import { parseAuditMessage } from "../change/audit";
import { flatten, recordedConfig } from "../change/unmergedOpsChanges";
import type { HistoryEntry } from "../stack/history";

/** An update of the stack that changed something the service runs with. */
export interface ServiceChange {
    version: number;
    startTime: string;
    result: string;
    /** mcp-ops operation, else "update" (a deploy). */
    operation: string;
    actor?: string;
    reason?: string;
    /** The `mcp:` config paths it changed that touch the service (values are not shown). */
    paths: string[];
}

/**
 * The config paths a service runs with: its own entry (stores and the prober have their own
 * sections), the secrets it reads, and what every workload is subject to (lockdown, maintenance).
 */
export function pathsTouching(service: string, secretsRead: string[]): (path: string) => boolean {
    const own =
        service === "redis" || service === "postgres" ? `${service}.` : service === "mcp-prober" ? "monitoring." : `services.${service}.`;
    const secrets = secretsRead.map((s) => `secrets.${s}.`);
    return (path) =>
        path.startsWith(own) || path.startsWith("security.") || path === "maintenance" || secrets.some((s) => path.startsWith(s));
}

/**
 * The newest updates that changed the service's config, found by comparing each update's recorded
 * config with the one before it (secret values are left out of both, as the history leaves them).
 */
export function changesTouching(service: string, secretsRead: string[], history: HistoryEntry[], limit = 5): ServiceChange[] {
    const updates = history
        .filter((h) => h.config !== undefined && (h.kind ?? "update") === "update")
        .sort((a, b) => a.version - b.version);
    const touches = pathsTouching(service, secretsRead);
    const found: ServiceChange[] = [];
    let before: Record<string, unknown> = {};
    for (const update of updates) {
        const after = flatten(recordedConfig(update.config!));
        const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])]
            .filter((p) => touches(p) && JSON.stringify(before[p]) !== JSON.stringify(after[p]))
            .sort();
        // The first recorded update created everything: it is not a change to look at.
        if (paths.length > 0 && Object.keys(before).length > 0) {
            const tag = parseAuditMessage(update.message);
            found.push({
                version: update.version,
                startTime: update.startTime,
                result: update.result,
                operation: tag?.operation ?? "update",
                actor: tag?.actor,
                reason: tag?.reason,
                paths,
            });
        }
        // A failed update may have applied part of its config: the next one is compared with what it asked for.
        before = after;
    }
    return found.reverse().slice(0, limit);
}
