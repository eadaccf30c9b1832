import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { restoreDrill as postgresDrill } from "../postgres/restore";
import { renderRestore } from "../postgres/render";
import { renderDrill } from "../redis/drillReport";
import { restoreDrill as redisDrill } from "../redis/restoreDrill";
import { type BackedUpStore, catalogBackups, pickBackup, type ScheduledBackup } from "./catalog";

export interface BackupDrill {
    ok: boolean;
    store: BackedUpStore;
    backup: ScheduledBackup;
    /** What was proven, as a person reads it. */
    report: string;
}

/**
 * The drill of one scheduled backup: a PostgreSQL dump restored into a scratch server and compared
 * table by table with its manifest; a Redis snapshot loaded into a scratch server (its CRC64 and
 * every record checked), and compared with its manifest when it has one.
 */
export async function drillBackup(store: BackedUpStore, backup: ScheduledBackup, file: string): Promise<BackupDrill> {
    if (store === "postgres") {
        const restored = await postgresDrill(file);
        return { ok: restored.ok, store, backup, report: renderRestore(restored) };
    }
    const drill = await redisDrill(file, { requireManifest: false });
    return { ok: drill.ok, store, backup, report: renderDrill(drill) };
}

/** The newest backup of a store in a folder the CronJob writes (the backup volume, mounted): what the monthly drill takes. */
export function newestInFolder(store: BackedUpStore, dir: string): { backup: ScheduledBackup; file: string } {
    const files = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => {
            const stat = statSync(join(dir, e.name));
            return { name: e.name, bytes: stat.size, modified: stat.mtime.toISOString() };
        });
    const backup = pickBackup(store, catalogBackups(store, files), "newest");
    return { backup, file: join(dir, backup.name) };
}
