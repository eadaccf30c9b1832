import type Redis from "ioredis";
import { connectRedis, info, type RedisTarget } from "./connect";
import { valueDigest } from "./digest";
import { loadSnapshot } from "./scratchFromFile";

export interface LiveRestoreReport {
    ok: boolean;
    file: string;
    /** Per database: keys written from the snapshot, and keys of the live store the snapshot does not have, removed. */
    databases: Record<string, { restored: number; removed: number; liveKeys: number; snapshotKeys: number }>;
    sample: { checked: number; mismatched: string[] };
}

/** Keys asked for per SCAN round and written per pipeline: bounded memory, few round trips. */
const BATCH = 500;
/** Keys of each database compared value by value after the restore. */
const SAMPLE = 100;

/**
 * Puts a snapshot's data into a running Redis without restarting it: the RDB is loaded into a
 * scratch server here (a damaged file fails before the store is touched), each key is copied with
 * DUMP and RESTORE … REPLACE (exact types, encodings and remaining TTLs), then every key the
 * snapshot does not have is UNLINKed, so each database holds exactly the snapshot's keys. Meant
 * for maintenance (writers stopped): a client writing meanwhile would mix its keys in.
 */
export async function restoreIntoLive(file: string, live: RedisTarget, onProgress?: (text: string) => void): Promise<LiveRestoreReport> {
    const snapshot = await loadSnapshot(file);
    const connections: Redis[] = [];
    try {
        const probe = await connectRedis({ ...live, db: 0 });
        connections.push(probe);
        const liveDbs = Object.keys(await info(probe, "keyspace"));
        const dbs = [...new Set([...Object.keys(snapshot.keyspace), ...liveDbs])].map((db) => Number(db.slice(2))).sort((a, b) => a - b);
        const report: LiveRestoreReport = { ok: true, file, databases: {}, sample: { checked: 0, mismatched: [] } };
        for (const db of dbs) {
            const from = snapshot.connect(db);
            const to = await connectRedis({ ...live, db });
            connections.push(to);
            const copied = new Set<string>();
            let restored = 0;
            let cursor = "0";
            do {
                const [next, keys] = await from.scanBuffer(cursor, "COUNT", BATCH);
                cursor = String(next);
                if (keys.length === 0) continue;
                const read = from.pipeline();
                for (const key of keys) read.dumpBuffer(key).pttl(key);
                const answers = (await read.exec()) ?? [];
                const write = to.pipeline();
                keys.forEach((key, i) => {
                    const payload = answers[2 * i]?.[1] as Buffer | null;
                    const pttl = answers[2 * i + 1]?.[1] as number;
                    copied.add(key.toString("latin1"));
                    // Gone since the scan (expired in the scratch copy): nothing to copy, and it is removed below.
                    if (!payload) return;
                    write.restore(key, pttl > 0 ? pttl : 0, payload, "REPLACE");
                    restored++;
                });
                const written = (await write.exec()) ?? [];
                const failed = written.find(([error]) => error);
                if (failed) throw failed[0];
                onProgress?.(`db${db}: ${restored} keys restored`);
            } while (cursor !== "0");
            let removed = 0;
            cursor = "0";
            do {
                const [next, keys] = await to.scanBuffer(cursor, "COUNT", BATCH);
                cursor = String(next);
                const extra = keys.filter((k) => !copied.has(k.toString("latin1")));
                if (extra.length > 0) removed += await to.unlink(...extra);
            } while (cursor !== "0");
            const [liveKeys, snapshotKeys] = await Promise.all([to.dbsize(), from.dbsize()]);
            report.databases[`db${db}`] = { restored, removed, liveKeys, snapshotKeys };
            if (liveKeys !== snapshotKeys) report.ok = false;
            const [, sample] = await from.scan("0", "COUNT", SAMPLE);
            for (const key of sample.slice(0, SAMPLE)) {
                report.sample.checked++;
                if ((await valueDigest(from, key)) !== (await valueDigest(to, key))) report.sample.mismatched.push(`db${db}:${key}`);
            }
        }
        if (report.sample.mismatched.length > 0) report.ok = false;
        return report;
    } finally {
        for (const c of connections) c.disconnect();
        await snapshot.stop();
    }
}
