import type { Stack } from "@pulumi/pulumi/automation";

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
 * How many updates the history holds, asked while an update of this process runs: the engine
 * holds the stack's lock from before its first event until after it records the update, so no
 * other update can be recorded in between, and the running one will be number count + 1. Asking
 * then, instead of after it finishes, takes the CLI call off the command's path.
 */
export async function updatesRecordedSoFar(stack: Stack): Promise<number> {
    return (await stack.history(ALL_UPDATES, 1)).length;
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
