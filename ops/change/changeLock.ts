import { hostname, userInfo } from "node:os";
import { EXIT, OpsError } from "../errors";
import { describeLock, isStale, LockConflictError, type LockFile } from "../stack/locks";
import { clearJournal, interruptedJournal, restoreJournal, startJournal } from "./journal";
import type { TeamStore } from "./teamStore";
import type { Waiting } from "./waiting";

/**
 * The change lock of a stack. The engine's own lock guards the state but is taken only once
 * `pulumi up` starts; a change writes the stack file before that, so two changes started together
 * would write into each other's preview, and a loser could not put the file back without undoing the
 * winner. This lock is taken before the stack file is touched, in the team store beside the state,
 * so two machines are serialized as two processes are. Each checkout also keeps a journal (the stack
 * file as it was), so `mcp-ops recover` can put the file back after a change was killed.
 */
export type ChangeLock = Omit<LockFile, "path"> & { checkout: string };

const lockKey = (stack: string) => `locks/${stack}.json`;

/** An earlier change died holding the lock: its edit may be in the stack file, unapplied. */
export class InterruptedChangeError extends OpsError {
    constructor(stack: string, holder: string) {
        super(
            `an earlier change of stack ${stack} (${holder}) was interrupted before it finished; run mcp-ops recover --stack ${stack}, ` +
                `which puts the stack file back as it was before that change and clears its locks`,
            EXIT.locked,
        );
    }
}

const describe = (lock: ChangeLock) => `mcp-ops on ${describeLock(lock)}`;

export async function readChangeLock(store: TeamStore, stack: string): Promise<ChangeLock | undefined> {
    const text = await store.read(lockKey(stack));
    if (text === undefined) return undefined;
    try {
        return JSON.parse(text) as ChangeLock;
    } catch {
        return { pid: 0, username: "?", hostname: "?", timestamp: "?", checkout: "?" };
    }
}

/** Takes the lock, or fails naming its holder (a LockConflictError, which `--wait` waits out). */
async function take(store: TeamStore, stack: string, projectDir: string): Promise<ChangeLock> {
    const mine: ChangeLock = {
        pid: process.pid,
        username: userInfo().username,
        hostname: hostname(),
        timestamp: new Date().toISOString(),
        checkout: projectDir,
    };
    if (await store.createExclusive(lockKey(stack), JSON.stringify(mine))) return mine;
    const held = await readChangeLock(store, stack);
    // Released between the write and the read: try again at once.
    if (!held) return take(store, stack, projectDir);
    if (isStale(held)) throw new InterruptedChangeError(stack, describe(held));
    throw new LockConflictError(stack, describe(held));
}

/**
 * Runs `work` holding the change lock of a stack, with this checkout's journal of the stack file.
 * A held lock fails at once with its holder named, or is waited for (`waiting`); a lock or journal
 * left by a dead process is never taken over silently (see InterruptedChangeError).
 */
export async function withChangeLock<T>(
    place: { store: TeamStore; projectDir: string },
    stack: string,
    work: () => Promise<T>,
    waiting: Waiting,
): Promise<T> {
    const { store, projectDir } = place;
    const interrupted = interruptedJournal(projectDir, stack);
    if (interrupted) throw new InterruptedChangeError(stack, describe({ ...interrupted, checkout: projectDir }));
    const mine = await waiting.retry(() => take(store, stack, projectDir));
    try {
        startJournal(projectDir, stack);
        const result = await work();
        clearJournal(projectDir, stack);
        return result;
    } catch (error) {
        clearJournal(projectDir, stack);
        throw error;
    } finally {
        await release(store, stack, mine);
    }
}

/** Removes the lock if it is still this change's: one removed by `recover --force` elsewhere may have a new holder. */
async function release(store: TeamStore, stack: string, mine: ChangeLock): Promise<void> {
    const held = await readChangeLock(store, stack);
    if (held && held.pid === mine.pid && held.hostname === mine.hostname && held.timestamp === mine.timestamp) {
        await store.remove(lockKey(stack));
    }
}

/**
 * After a change was killed: puts this checkout's stack file back as it was before that change and
 * removes the change lock, when its process is gone (or with `force`, whoever holds it: the holder
 * may be another machine, whose process cannot be judged from here). Returns what it did.
 */
export async function recoverChangeLock(store: TeamStore, projectDir: string, stack: string, force = false): Promise<string[]> {
    const done: string[] = [];
    const restored = restoreJournal(projectDir, stack, force);
    if (restored) done.push(`mcp-ops on ${restored}; stack file put back as it was before that change`);
    const held = await readChangeLock(store, stack);
    if (held && (force || isStale(held))) {
        await store.remove(lockKey(stack));
        done.push(`change lock of ${describe(held)} in ${store.location}`);
    } else if (held) {
        const hint =
            held.hostname === hostname() ? "it is still running" : `it runs on ${held.hostname}, which cannot be checked from here`;
        throw new LockConflictError(stack, `${describe(held)}; ${hint}; pass --force only if you know it is gone`);
    }
    return done;
}
