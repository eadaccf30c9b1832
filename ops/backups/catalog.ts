import { InvalidInputError } from "../errors";

/** The stores the backup CronJobs dump, and the file each one writes (the manifest of a dump is `<file>.json`). */
export const BACKUP_FILES = { redis: /^redis-.*\.rdb$/, postgres: /\.dump$/ } as const;
export type BackedUpStore = keyof typeof BACKUP_FILES;

/** One object where the backups are kept: a file of the backup volume, or an object of the bucket. */
export interface StoredFile {
    /** Path below the store's folder or prefix, e.g. `redis-20261202T100000Z.rdb`. */
    name: string;
    bytes: number;
    modified: string;
}

export interface ScheduledBackup {
    store: BackedUpStore;
    name: string;
    bytes: number;
    modified: string;
    ageSeconds: number;
    /**
     * present: a manifest (row counts and checksums, or key counts and sampled digests) lies beside
     * it and a drill compares with it; missing: one was expected (a PostgreSQL dump) and is not there,
     * so the dump may be incomplete; none: this kind of backup has none (the scheduled Redis RDB:
     * its own CRC64 checksum is what a drill checks).
     */
    manifest: "present" | "missing" | "none";
}

/** The backups of one store among the files kept for it, newest first. */
export function catalogBackups(store: BackedUpStore, files: StoredFile[], now = Date.now()): ScheduledBackup[] {
    const names = new Set(files.map((f) => f.name));
    return files
        .filter((f) => BACKUP_FILES[store].test(f.name))
        .map((f) => ({
            store,
            name: f.name,
            bytes: f.bytes,
            modified: f.modified,
            ageSeconds: Math.max(0, Math.round((now - Date.parse(f.modified)) / 1000)),
            manifest: names.has(`${f.name}.json`) ? ("present" as const) : store === "postgres" ? ("missing" as const) : ("none" as const),
        }))
        .sort((a, b) => Date.parse(b.modified) - Date.parse(a.modified) || b.name.localeCompare(a.name));
}

/** The backup a name picks: `newest`, or the exact name; an unknown name is refused with what there is. */
export function pickBackup(store: BackedUpStore, backups: ScheduledBackup[], name: string): ScheduledBackup {
    const found = name === "newest" ? backups[0] : backups.find((b) => b.name === name);
    if (found) return found;
    if (backups.length === 0) throw new InvalidInputError(`no ${store} backup is kept yet; take one with mcp-ops backup now ${store}`);
    throw new InvalidInputError(
        `no ${store} backup named ${name}; the newest are ${backups
            .slice(0, 5)
            .map((b) => b.name)
            .join(", ")} (mcp-ops backup list ${store} lists them all)`,
    );
}
