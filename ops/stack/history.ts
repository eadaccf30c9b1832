import type { Stack, UpdateSummary } from "@pulumi/pulumi/automation";

/** The parts of an update in the stack history a rollback needs (the Automation API's UpdateSummary). */
export interface HistoryEntry {
    version: number;
    result: string;
    message?: string;
    startTime: string;
    config?: Record<string, { value: string; secret?: boolean }>;
    /** "update", "refresh", "destroy", … */
    kind?: string;
    endTime?: string;
}

/** More updates than any stack has: `pulumi stack history` returns 10 unless asked for a page size. */
const ALL_UPDATES = 1_000_000;

/**
 * The stack's updates, newest first. File backends record every update as version 0, so
 * versions are numbered here by age (oldest = 1), the same numbering `pulumi stack history`
 * users count by, and stable as new updates are added. That needs every update: counting only
 * the first page would give two updates the same number once a stack has more than a page.
 */
export async function stackHistory(stack: Stack, limit: number): Promise<HistoryEntry[]> {
    const updates = await stack.history(ALL_UPDATES, 1);
    const numbered = updates.every((u) => !u.version);
    return updates
        .map((u, i) => ({
            version: numbered ? updates.length - i : u.version,
            result: u.result,
            message: u.message,
            startTime: new Date(u.startTime).toISOString(),
            endTime: u.endTime ? new Date(u.endTime).toISOString() : undefined,
            config: u.config,
            kind: u.kind,
        }))
        .slice(0, limit);
}

/**
 * The history as read while an update of this process runs (asked at its first event, so the CLI
 * call is off the command's path). The engine holds the stack's lock from before that event until
 * after it records the update, so the listing either lacks the update and nothing was recorded
 * after it was read (the update is number length + 1), or already holds it (found by its start time
 * and message, numbered by its place).
 */
export async function historyDuringUpdate(stack: Stack): Promise<UpdateSummary[]> {
    return stack.history(ALL_UPDATES, 1);
}

/** The number of the update `summary` describes, from a listing `historyDuringUpdate` read. */
export function numberFromListing(listing: UpdateSummary[], summary: Pick<UpdateSummary, "startTime" | "message">): number {
    const started = new Date(summary.startTime).getTime();
    const at = listing.findIndex((u) => new Date(u.startTime).getTime() === started && u.message === summary.message);
    return at >= 0 ? listing.length - at : listing.length + 1;
}

/**
 * The number `stackHistory` gives the update that just finished: backends that number updates put
 * it in the update's own summary; others (a file or S3 backend records every update as version 0)
 * are asked for the history, whose length is the newest update's number.
 */
export async function finishedUpdateVersion(stack: Stack, summaryVersion: number | undefined): Promise<number | undefined> {
    if (summaryVersion) return summaryVersion;
    const [newest] = await stackHistory(stack, 1);
    return newest?.version;
}
