/**
 * A file backend's engine, taking a stack's lock, lists the stack's lock folder and reads every lock
 * in it. Its own lock is written through a temporary file beside it (`<id>.json.<n>.tmp`, renamed
 * once written), so an engine starting at the same moment may read that file still empty
 * ("unexpected end of JSON input") or find it already renamed away (NotFound). Either way it failed
 * before it held the lock or changed anything; a second attempt finds the finished lock and names
 * its holder (a lock conflict), or takes the lock once it is gone.
 */
export function isLockCheckRace(message: string): boolean {
    return /unexpected end of JSON input/.test(message) || /\/locks\/\S+\.tmp\b.*NotFound/.test(message);
}

const ATTEMPTS = 3;
const PAUSE_MS = 250;

/**
 * Runs an engine operation that takes the stack's lock, again when it failed in the lock check's
 * race before its first engine event (after that event the engine held the lock: nothing to retry).
 * `onRetry` hears of each new attempt.
 */
export async function retryLockCheckRace<T>(attempt: (sawEvent: () => void) => Promise<T>, onRetry?: (line: string) => void): Promise<T> {
    for (let tries = 1; ; tries++) {
        let started = false;
        try {
            return await attempt(() => (started = true));
        } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            if (started || tries >= ATTEMPTS || !isLockCheckRace(message)) throw error;
            onRetry?.(
                `another update was taking the stack's lock at the same moment; trying again (attempt ${tries + 1} of ${ATTEMPTS})\n`,
            );
            await new Promise((resolve) => setTimeout(resolve, PAUSE_MS * tries));
        }
    }
}
