import { LockConflictError } from "../stack/locks";

/** How long `--wait` waits for the stack, all told: the change lock and the engine's lock share it. */
export const WAIT_LIMIT_MS = 30 * 60_000;

/**
 * One wait for one change: retries an attempt that found the stack busy (a LockConflictError) until
 * the deadline, which is set once per change, so waiting for the change lock and then for the
 * engine's lock never adds up to more than the limit. Without `--wait` a busy stack fails at once.
 */
export class Waiting {
    private readonly deadline: number;
    private told = "";

    constructor(
        readonly enabled: boolean,
        private readonly report: (line: string) => void,
        limitMs = WAIT_LIMIT_MS,
        private readonly intervalMs = 1000,
    ) {
        this.deadline = Date.now() + limitMs;
    }

    async retry<T>(attempt: () => Promise<T>): Promise<T> {
        for (;;) {
            try {
                return await attempt();
            } catch (error) {
                if (!(error instanceof LockConflictError) || !this.enabled || Date.now() > this.deadline) throw error;
                const line = `${error.message.split(";")[0]}; waiting ...`;
                if (line !== this.told) this.report(line);
                this.told = line;
                await new Promise((r) => setTimeout(r, this.intervalMs));
            }
        }
    }
}
