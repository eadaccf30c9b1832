import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { EXIT, OpsError } from "../errors";

export class LockConflictError extends OpsError {
    constructor(
        stack: string,
        holder: string | undefined,
        /** The engine's lock holders, when the engine named them. */
        readonly holders: EngineLock[] = [],
    ) {
        super(
            `stack ${stack} is being updated by someone else${holder ? ` (${holder})` : ""}; wait for it, run again with --wait, or if ` +
                `that update died, run mcp-ops recover --stack ${stack}`,
            EXIT.locked,
        );
    }
}

export interface LockFile {
    path: string;
    pid: number;
    username: string;
    hostname: string;
    timestamp: string;
}

/** A holder of the engine's lock, as the engine names it when it refuses to take the lock. */
export type EngineLock = Omit<LockFile, "path"> & { url: string };

/**
 * The holders an engine refusal names. A file or S3 backend says "the stack is currently locked by N
 * lock(s) …" and then, per lock, "<url>: created by <user>@<host> (pid <pid>) at <time>"; that text
 * is the CLI's, the same for every such backend, so no backend's files are read here.
 */
export function engineLockHolders(message: string): EngineLock[] {
    // The Automation API's error carries the CLI's output more than once (its stdout and stderr): one holder per lock URL.
    const holders = new Map<string, EngineLock>();
    for (const m of message.matchAll(/^\s*(\S+): created by (.+?)@(\S+) \(pid (\d+)\) at (\S+)\s*$/gm)) {
        holders.set(m[1], { url: m[1], username: m[2], hostname: m[3], pid: Number(m[4]), timestamp: m[5] });
    }
    return [...holders.values()];
}

/** "alice@host, pid 4242, since 2026-11-21T12:00:00Z". */
export const describeLock = (lock: Omit<LockFile, "path">) => `${lock.username}@${lock.hostname}, pid ${lock.pid}, since ${lock.timestamp}`;

/** A lock is stale when its process ran on this host and is gone. Locks of other hosts are never judged. */
export function isStale(lock: Pick<LockFile, "pid" | "hostname">): boolean {
    if (lock.hostname !== hostname()) return false;
    try {
        process.kill(lock.pid, 0);
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "ESRCH";
    }
    return isZombie(lock.pid);
}

/** A killed process whose parent has not collected it yet still answers signal 0, but runs no more (Linux). */
function isZombie(pid: number): boolean {
    try {
        // /proc/<pid>/stat: "pid (command) state …"; the command may itself contain ") ".
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
    } catch {
        return false;
    }
}
