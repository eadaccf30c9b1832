import { existsSync, readFileSync } from "node:fs";
import { InvalidInputError } from "../errors";
import { fileSha256 } from "../fileSha256";
import { valueDigest } from "./digest";
import { loadSnapshot } from "./scratchFromFile";
import type { SnapshotManifest } from "./snapshot";

export interface DrillReport {
    ok: boolean;
    file: string;
    /** Whether the file's sha256 is the manifest's; undefined for a snapshot without one (its own CRC64 was checked by loading it). */
    checksumMatches?: boolean;
    keyspace: { expected?: Record<string, number>; restored: Record<string, number>; matches?: boolean };
    sample: { checked: number; matched: number; mismatched: string[] };
}

/**
 * A restore drill: loads the snapshot into a scratch redis-server on loopback (which checks the
 * RDB's own CRC64 and every record) and compares it with the manifest taken at backup time (file
 * checksum, keys per database, digests of the sampled keys). Without a manifest (the scheduled
 * backup writes none) only the load is proven, unless `requireManifest`. Production is never
 * touched; the scratch server and its files are removed.
 */
export async function restoreDrill(file: string, o: { requireManifest?: boolean } = { requireManifest: true }): Promise<DrillReport> {
    if (!existsSync(file)) throw new InvalidInputError(`${file} does not exist; pass the path of an RDB written by mcp-ops redis backup`);
    const hasManifest = existsSync(`${file}.json`);
    if (!hasManifest && o.requireManifest)
        throw new InvalidInputError(`${file}.json (the snapshot's manifest) is missing; take the backup with mcp-ops redis backup`);
    const manifest = hasManifest ? (JSON.parse(readFileSync(`${file}.json`, "utf8")) as SnapshotManifest) : undefined;
    const checksumMatches = manifest ? (await fileSha256(file)) === manifest.sha256 : undefined;

    const snapshot = await loadSnapshot(file);
    try {
        const restored = snapshot.keyspace;
        if (!manifest) return { ok: true, file, keyspace: { restored }, sample: { checked: 0, matched: 0, mismatched: [] } };
        const keyspaceMatches = sameCounts(manifest.keyspace, restored);
        const redis = snapshot.connect(0);
        const mismatched: string[] = [];
        for (const { key, digest } of manifest.sample) {
            if ((await valueDigest(redis, key)) !== digest) mismatched.push(key);
        }
        const sample = { checked: manifest.sample.length, matched: manifest.sample.length - mismatched.length, mismatched };
        return {
            ok: checksumMatches === true && keyspaceMatches && mismatched.length === 0,
            file,
            checksumMatches,
            keyspace: { expected: manifest.keyspace, restored, matches: keyspaceMatches },
            sample,
        };
    } finally {
        await snapshot.stop();
    }
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
    const dbs = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...dbs].every((db) => (a[db] ?? 0) === (b[db] ?? 0));
}
