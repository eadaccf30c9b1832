import type { Client } from "pg";

/** How one maintenance statement ended: done, or skipped with the reason. */
export interface StepOutcome {
    outcome: "done" | "skipped";
    reason?: string;
    seconds: number;
}

export interface Bounds {
    lockTimeoutMs: number;
    statementTimeoutMs: number;
}

/** Sets the session's bounds: lock_timeout and statement_timeout apply to every statement that follows. */
export async function bindSession(client: Client, bounds: Bounds): Promise<void> {
    await client.query(`set lock_timeout = ${Math.round(bounds.lockTimeoutMs)}`);
    await client.query(`set statement_timeout = ${Math.round(bounds.statementTimeoutMs)}`);
}

/**
 * Runs one statement of maintenance in a bound session. Running out of lock_timeout or
 * statement_timeout skips the step with the reason instead of failing the run; so does VACUUM's
 * own warning about a table it may not touch. Any other error fails the run.
 */
export async function boundedStep(
    client: Client,
    work: string | (() => Promise<unknown>),
    bounds: Bounds,
    waitedFor = "another session held a conflicting lock",
): Promise<StepOutcome> {
    const started = Date.now();
    const notices: string[] = [];
    const onNotice = (n: { message?: string }) => n.message && /skipping/.test(n.message) && notices.push(n.message);
    client.on("notice", onNotice);
    const seconds = () => (Date.now() - started) / 1000;
    try {
        await (typeof work === "string" ? client.query(work) : work());
        return notices.length > 0
            ? { outcome: "skipped", reason: notices.join("; "), seconds: seconds() }
            : { outcome: "done", seconds: seconds() };
    } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === "55P03")
            return { outcome: "skipped", reason: `${waitedFor} for ${bounds.lockTimeoutMs} ms (lock_timeout)`, seconds: seconds() };
        if (code === "57014")
            return { outcome: "skipped", reason: `stopped after ${bounds.statementTimeoutMs} ms (statement_timeout)`, seconds: seconds() };
        throw error;
    } finally {
        client.off("notice", onNotice);
    }
}
