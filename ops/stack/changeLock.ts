import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { EXIT, OpsError } from "../errors";
import { replaceFile, stackFilePath } from "./stackFile";
import { describeLock, isStale, LockConflictError, type LockFile } from "./locks";

/**
 * The change lock of a stack on this checkout. The engine's own lock guards the state but is
 * taken only once `pulumi up` starts; a change writes the stack file before that, so two changes
 * started together would write into each other's preview, and a loser could not put the file back
 * without undoing the winner. This lock is taken before the stack file is touched, and keeps a
 * copy of the file as it was, so `mcp-ops recover` can put it back after a change was killed.
 */
const lockDir = (projectDir: string) => join(projectDir, ".local", "ops-locks");
export const changeLockPath = (projectDir: string, stack: string) => join(lockDir(projectDir), `${stack}.json`);
const stackFileCopyPath = (projectDir: string, stack: string) => join(lockDir(projectDir), `${stack}.before.yaml`);

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

function readLock(path: string): LockFile | undefined {
    try {
        return { path, ...(JSON.parse(readFileSync(path, "utf8")) as Omit<LockFile, "path">) };
    } catch {
        return undefined;
    }
}

const describe = (lock: LockFile) => `mcp-ops on ${describeLock(lock)}`;

/** Takes the lock (copying the stack file first), or answers who has it. */
function tryTake(projectDir: string, stack: string): LockFile | undefined {
    const path = changeLockPath(projectDir, stack);
    mkdirSync(dirname(path), { recursive: true });
    const mine = { pid: process.pid, username: userInfo().username, hostname: hostname(), timestamp: new Date().toISOString() };
    const pending = `${path}.${process.pid}`;
    writeFileSync(pending, JSON.stringify(mine));
    try {
        // A hard link appears whole or not at all: a reader never sees a half-written lock.
        try {
            linkSync(pending, path);
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
            return readLock(path) ?? { path, pid: 0, username: "?", hostname: "?", timestamp: "?" };
        }
    } finally {
        rmSync(pending, { force: true });
    }
    const file = stackFilePath(stack, projectDir);
    if (existsSync(file)) copyFileSync(file, stackFileCopyPath(projectDir, stack));
    return undefined;
}

function release(projectDir: string, stack: string): void {
    rmSync(stackFileCopyPath(projectDir, stack), { force: true });
    rmSync(changeLockPath(projectDir, stack), { force: true });
}

/**
 * Runs `work` holding the change lock of a stack. A held lock fails at once with its holder named,
 * or with `wait` is waited for (up to `waitMs`); a lock left by a dead process is never taken over
 * silently (see InterruptedChangeError).
 */
export async function withChangeLock<T>(
    projectDir: string,
    stack: string,
    work: () => Promise<T>,
    o: { wait?: boolean; waitMs?: number; report?: (line: string) => void } = {},
): Promise<T> {
    const deadline = Date.now() + (o.waitMs ?? 30 * 60_000);
    let told = false;
    for (let held = tryTake(projectDir, stack); held; held = tryTake(projectDir, stack)) {
        if (isStale(held)) throw new InterruptedChangeError(stack, describe(held));
        if (!o.wait || Date.now() > deadline) throw new LockConflictError(stack, describe(held));
        if (!told) o.report?.(`stack ${stack} is being changed by ${describe(held)}; waiting ...`);
        told = true;
        await new Promise((r) => setTimeout(r, 1000));
    }
    try {
        return await work();
    } finally {
        release(projectDir, stack);
    }
}

/**
 * After a change was killed: puts the stack file back as it was before that change and removes
 * its lock, when its process is gone (or with `force`). Returns what it did, or undefined.
 */
export function recoverInterruptedChange(projectDir: string, stack: string, force = false): string | undefined {
    const held = readLock(changeLockPath(projectDir, stack));
    if (!held || (!force && !isStale(held))) return undefined;
    const copy = stackFileCopyPath(projectDir, stack);
    const restored = existsSync(copy);
    if (restored) replaceFile(stackFilePath(stack, projectDir), readFileSync(copy, "utf8"));
    release(projectDir, stack);
    return `${describe(held)}${restored ? "; stack file put back as it was before that change" : ""}`;
}
