import { ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import { describeLock, type EngineLock, engineLockHolders, isStale, LockConflictError } from "./locks";
import { type PendingResolution, resolvePendingOperations } from "./pendingCreates";
import type { AutomationStack } from "./automation";

export interface RecoverReport {
    locksRemoved: string[];
    /** Creates that may have reached the cluster: recorded with their IDs for the refresh to read (ops/stack/pendingCreates.ts). */
    pendingAdopted: PendingResolution["adopted"];
    pendingCleared: PendingResolution["cleared"];
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
 * After an update was killed: resolves the pending operations it left in the state (a create that
 * may have reached the cluster is adopted, the rest cleared) and refreshes, so the state matches
 * what really exists and the next update neither trips over an object it already made nor loses
 * track of one. The engine's lock is found the way the engine reports it, by refusing to take it
 * (whatever the backend); it is removed with `pulumi cancel` only when its process is gone from
 * this host, or with `force`.
 */
export async function recoverStack(stack: AutomationStack, options: RecoverOptions = {}): Promise<RecoverReport> {
    const report: RecoverReport = { locksRemoved: [], pendingAdopted: [], pendingCleared: [], refreshed: false };
    const repair = async () => {
        const state = await stack.stack.exportStack();
        const deployment = state.deployment as Parameters<typeof resolvePendingOperations>[0];
        // Importing takes the engine's lock, as a refresh does: either tells whether a dead update still holds it.
        if (deployment.pending_operations?.length) {
            const resolved = resolvePendingOperations(deployment);
            await stack.stack.importStack(state);
            report.pendingAdopted = resolved.adopted;
            report.pendingCleared = resolved.cleared;
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
