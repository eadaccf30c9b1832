import { ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import { describeLock, type EngineLock, engineLockHolders, isStale, LockConflictError } from "./locks";
import type { AutomationStack } from "./automation";

export interface RecoverReport {
    locksRemoved: string[];
    pendingCleared: Array<{ type: string; urn: string }>;
    refreshed: boolean;
}

export interface RecoverOptions {
    /** Remove locks even when their process may be alive elsewhere. */
    force?: boolean;
    /** Refresh after clearing (default true). */
    refresh?: boolean;
    /** The refresh's message in the stack history (the audit line of the recovery). */
    message?: string;
}

/**
 * After an update was killed: clears the pending operations it left in the state and refreshes so
 * the state matches what really exists. Objects whose creation was interrupted are adopted by the
 * next update (server-side apply), which is why clearing is enough. The engine's lock is found the
 * way the engine reports it, by refusing to take it (whatever the backend); it is removed with
 * `pulumi cancel` only when its process is gone from this host, or with `force`.
 */
export async function recoverStack(stack: AutomationStack, options: RecoverOptions = {}): Promise<RecoverReport> {
    const report: RecoverReport = { locksRemoved: [], pendingCleared: [], refreshed: false };
    const repair = async () => {
        const state = await stack.stack.exportStack();
        const deployment = state.deployment as { pending_operations?: Array<{ resource: { urn: string; type: string } }> };
        // Importing takes the engine's lock, as a refresh does: either tells whether a dead update still holds it.
        if (deployment.pending_operations?.length) {
            report.pendingCleared = deployment.pending_operations.map((p) => ({ type: p.resource.type, urn: p.resource.urn }));
            deployment.pending_operations = [];
            await stack.stack.importStack(state);
        }
        if (options.refresh ?? true) {
            await stack.refresh(options.message);
            report.refreshed = true;
        }
    };
    try {
        await repair();
    } catch (error) {
        const holders = lockHolders(error);
        if (!holders) throw error;
        const alive = holders.filter((h) => !isStale(h));
        if ((alive.length > 0 || holders.length === 0) && !options.force) {
            const holder = alive[0] ? describeLock(alive[0]) : "a holder the backend does not name";
            throw new LockConflictError(stack.name, `${holder}, still running; pass --force only if you know it is gone`);
        }
        await stack.stack.cancel();
        report.locksRemoved.push(...holders.map((h) => `${h.username}@${h.hostname} pid ${h.pid} (${h.timestamp})`));
        await repair();
    }
    return report;
}

/** Who holds the lock the engine refused to take (from the Automation API or from the stack's own error); undefined for other errors. */
function lockHolders(error: unknown): EngineLock[] | undefined {
    if (error instanceof ConcurrentUpdateError) return engineLockHolders(error.message);
    if (error instanceof LockConflictError) return error.holders;
    return undefined;
}
