import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LockFile } from "../../ops/stack/locks";

/**
 * The engine's lock files of a stack on a file backend the test made itself (`file://…`): how a test
 * sees, from outside, that an update holds the lock. mcp-ops never reads them; it asks the engine.
 */
export function lockFiles(backendUrl: string | undefined, stack: string): LockFile[] {
    if (!backendUrl?.startsWith("file://")) throw new Error(`lockFiles reads file backends only, not ${backendUrl}`);
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
