import { mkdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { hostname, userInfo } from "os";
import { dirname, join } from "path";
import { isStale, LockConflictError, type LockFile } from "./locks";

/**
 * Where a change on this checkout holds its stack. The engine's own lock guards the state but is
 * taken only once `pulumi up` starts; a change writes the stack file before that, so two changes
 * started together would write into each other's preview, and a loser could not put the file back
 * without undoing the winner. This lock is taken before the stack file is touched.
 */
export const changeLockPath = (projectDir: string, stack: string) => join(projectDir, ".local", "ops-locks", `${stack}.json`);

function readLock(path: string): LockFile | undefined {
    try {
        return { path, ...(JSON.parse(readFileSync(path, "utf8")) as Omit<LockFile, "path">) };
    } catch {
        return undefined;
    }
}

const describe = (lock: LockFile) => `mcp-ops on ${lock.username}@${lock.hostname}, pid ${lock.pid}, since ${lock.timestamp}`;

/** Takes the lock, or says who has it. A lock whose process is gone from this host is taken over. */
function tryTake(path: string): boolean {
    const mine = { pid: process.pid, username: userInfo().username, hostname: hostname(), timestamp: new Date().toISOString() };
    mkdirSync(dirname(path), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
        try {
            writeFileSync(path, JSON.stringify(mine), { flag: "wx" });
            return true;
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
            const held = readLock(path);
            if (held && !isStale(held)) return false;
            rmSync(path, { force: true });
        }
    }
    return false;
}

/**
 * Runs `work` holding the change lock of a stack. Without `wait` a held lock fails at once with
 * its holder named; with `wait` it is retried until `waitMs` has passed.
 */
export async function withChangeLock<T>(projectDir: string, stack: string, work: () => Promise<T>, o: { wait?: boolean; waitMs?: number; report?: (line: string) => void } = {}): Promise<T> {
    const path = changeLockPath(projectDir, stack);
    const deadline = Date.now() + (o.waitMs ?? 30 * 60_000);
    let told = false;
    while (!tryTake(path)) {
        const held = readLock(path);
        if (!o.wait || Date.now() > deadline) throw new LockConflictError(stack, held ? describe(held) : undefined);
        if (!told) o.report?.(`stack ${stack} is being changed by ${held ? describe(held) : "another command"}; waiting ...`);
        told = true;
        await new Promise((r) => setTimeout(r, 1000));
    }
    try {
        return await work();
    } finally {
        rmSync(path, { force: true });
    }
}

/** Removes the change lock of a stack when its process is gone (or with `force`); returns what it removed. */
export function clearStaleChangeLock(projectDir: string, stack: string, force = false): string | undefined {
    const held = readLock(changeLockPath(projectDir, stack));
    if (!held || (!force && !isStale(held))) return undefined;
    rmSync(held.path, { force: true });
    return describe(held);
}
