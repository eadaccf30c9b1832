import { rmSync } from "node:fs";
import { recoverInterruptedChange } from "./changeLock";
import { describeLock, LockConflictError, isStale, lockFiles } from "./locks";
import type { AutomationStack } from "./automation";

export interface RecoverReport {
    locksRemoved: string[];
    pendingCleared: Array<{ type: string; urn: string }>;
    refreshed: boolean;
}

/**
 * After an update was killed: removes its lock (only when its process is gone from this host,
 * or with `force`), clears the pending operations it left in the state, and refreshes so the
 * state matches what really exists. Objects whose creation was interrupted are adopted by the
 * next update (server-side apply), which is why clearing is enough.
 */
export interface RecoverOptions {
    /** Remove locks even when their process may be alive elsewhere. */
    force?: boolean;
    /** Refresh after clearing (default true). */
    refresh?: boolean;
    /** The refresh's message in the stack history (the audit line of the recovery). */
    message?: string;
    /** The checkout whose mcp-ops change lock is cleared too, when its process is gone. */
    projectDir?: string;
}

export async function recoverStack(
    stack: AutomationStack,
    backendUrl: string | undefined,
    options: RecoverOptions = {},
): Promise<RecoverReport> {
    const report: RecoverReport = { locksRemoved: [], pendingCleared: [], refreshed: false };
    const changeLock = options.projectDir ? recoverInterruptedChange(options.projectDir, stack.name, options.force) : undefined;
    if (changeLock) report.locksRemoved.push(changeLock);
    for (const lock of lockFiles(backendUrl, stack.name)) {
        if (!isStale(lock) && !options.force) {
            throw new LockConflictError(stack.name, `${describeLock(lock)}, still running; pass --force only if you know it is gone`);
        }
        rmSync(lock.path, { force: true });
        report.locksRemoved.push(`${lock.username}@${lock.hostname} pid ${lock.pid} (${lock.timestamp})`);
    }
    const state = await stack.stack.exportStack();
    const deployment = state.deployment as { pending_operations?: Array<{ resource: { urn: string; type: string } }> };
    if (deployment.pending_operations?.length) {
        report.pendingCleared = deployment.pending_operations.map((p) => ({ type: p.resource.type, urn: p.resource.urn }));
        deployment.pending_operations = [];
        await stack.stack.importStack(state);
    }
    if (options.refresh ?? true) {
        await stack.refresh(options.message);
        report.refreshed = true;
    }
    return report;
}
