import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EXIT, OpsError } from "../errors";

export class LockConflictError extends OpsError {
    constructor(stack: string, holder: string | undefined) {
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

/** Lock files of a stack on a file state backend (`file://…`); none for other backends. */
export function lockFiles(backendUrl: string | undefined, stack: string): LockFile[] {
    if (!backendUrl?.startsWith("file://")) return [];
    const root = join(fileURLToPath(backendUrl), ".pulumi", "locks");
    if (!existsSync(root)) return [];
    const found: LockFile[] = [];
    const walk = (dir: string) => {
        for (const entry of readdirSync(dir)) {
            const path = join(dir, entry);
            if (statSync(path).isDirectory()) walk(path);
            else if (entry.endsWith(".json") && dir.split("/").pop() === stack) {
                try {
                    const lock = JSON.parse(readFileSync(path, "utf8"));
                    found.push({ path, pid: lock.pid, username: lock.username, hostname: lock.hostname, timestamp: lock.timestamp });
                } catch {
                    // A lock file being written right now; the next look will read it.
                }
            }
        }
    };
    walk(root);
    return found;
}

/** "alice@host, pid 4242, since 2026-11-21T12:00:00Z". */
export const describeLock = (lock: Omit<LockFile, "path">) => `${lock.username}@${lock.hostname}, pid ${lock.pid}, since ${lock.timestamp}`;

/** Who holds the engine's lock of a stack, or undefined when it cannot be told. */
export function describeLockHolder(backendUrl: string | undefined, stack: string): string | undefined {
    const [lock] = lockFiles(backendUrl, stack);
    return lock ? describeLock(lock) : undefined;
}

/** A lock is stale when its process ran on this host and is gone. Locks of other hosts are never judged. */
export function isStale(lock: LockFile): boolean {
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
