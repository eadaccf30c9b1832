import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { describeLock, isStale, type LockFile } from "../stack/locks";
import { replaceFile, stackFilePath } from "../stack/stackFile";

/**
 * A checkout's journal of the change in flight: which process makes it and the stack file as it was
 * before. Written once the change lock is held and removed when the change ends, so one found with
 * its process gone means a change was killed after (perhaps) editing the stack file.
 */
const journalDir = (projectDir: string) => join(projectDir, ".local", "ops-changes");
const ownerPath = (projectDir: string, stack: string) => join(journalDir(projectDir), `${stack}.json`);
const copyPath = (projectDir: string, stack: string) => join(journalDir(projectDir), `${stack}.before.yaml`);

export type JournalOwner = Omit<LockFile, "path">;

export function startJournal(projectDir: string, stack: string): void {
    mkdirSync(journalDir(projectDir), { recursive: true });
    const file = stackFilePath(stack, projectDir);
    if (existsSync(file)) copyFileSync(file, copyPath(projectDir, stack));
    const owner: JournalOwner = {
        pid: process.pid,
        username: userInfo().username,
        hostname: hostname(),
        timestamp: new Date().toISOString(),
    };
    writeFileSync(ownerPath(projectDir, stack), JSON.stringify(owner));
}

export function clearJournal(projectDir: string, stack: string): void {
    rmSync(copyPath(projectDir, stack), { force: true });
    rmSync(ownerPath(projectDir, stack), { force: true });
}

function readOwner(projectDir: string, stack: string): JournalOwner | undefined {
    try {
        return JSON.parse(readFileSync(ownerPath(projectDir, stack), "utf8")) as JournalOwner;
    } catch {
        return undefined;
    }
}

/** The owner of a journal whose process is gone: a change of this checkout was killed. */
export function interruptedJournal(projectDir: string, stack: string): JournalOwner | undefined {
    const owner = readOwner(projectDir, stack);
    return owner && isStale(owner) ? owner : undefined;
}

/** Puts the stack file back from a journal whose process is gone (or any, with `force`); says whose it was. */
export function restoreJournal(projectDir: string, stack: string, force: boolean): string | undefined {
    const owner = readOwner(projectDir, stack);
    if (!owner || (!force && !isStale(owner))) return undefined;
    const copy = copyPath(projectDir, stack);
    if (existsSync(copy)) replaceFile(stackFilePath(stack, projectDir), readFileSync(copy, "utf8"));
    clearJournal(projectDir, stack);
    return describeLock(owner);
}
