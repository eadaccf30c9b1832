import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import Redis from "ioredis";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidInputError } from "../errors";
import { fileSha256 } from "../fileSha256";
import { info } from "./connect";
import { valueDigest } from "./digest";
import { startScratchRedis } from "./scratchServer";
import type { SnapshotManifest } from "./snapshot";

export interface DrillReport {
    ok: boolean;
    file: string;
    checksumMatches: boolean;
    keyspace: { expected: Record<string, number>; restored: Record<string, number>; matches: boolean };
    sample: { checked: number; matched: number; mismatched: string[] };
}

/**
 * A restore drill: loads the snapshot into a scratch redis-server on loopback and compares it
 * with the manifest taken at backup time (file checksum, keys per database, digests of the
 * sampled keys). Production is never touched; the scratch server and its files are removed.
 */
export async function restoreDrill(file: string): Promise<DrillReport> {
    if (!existsSync(file)) throw new InvalidInputError(`${file} does not exist; pass the path of an RDB written by mcp-ops redis backup`);
    if (!existsSync(`${file}.json`))
        throw new InvalidInputError(`${file}.json (the snapshot's manifest) is missing; take the backup with mcp-ops redis backup`);
    const manifest = JSON.parse(readFileSync(`${file}.json`, "utf8")) as SnapshotManifest;
    const checksumMatches = (await fileSha256(file)) === manifest.sha256;

    const dir = mkdtempSync(join(tmpdir(), "mcp-restore-drill-"));
    const scratch = await (async () => {
        copyFileSync(file, join(dir, "dump.rdb"));
        return startScratchRedis({ dir, dbfilename: "dump.rdb" });
    })().catch((error) => {
        rmSync(dir, { recursive: true, force: true });
        throw error;
    });
    const redis = new Redis({ host: "127.0.0.1", port: scratch.port, maxRetriesPerRequest: 1 });
    try {
        const restored: Record<string, number> = {};
        for (const [db, line] of Object.entries(await info(redis, "keyspace"))) restored[db] = Number(/keys=(\d+)/.exec(line)?.[1] ?? 0);
        const keyspaceMatches = sameCounts(manifest.keyspace, restored);
        const mismatched: string[] = [];
        for (const { key, digest } of manifest.sample) {
            if ((await valueDigest(redis, key)) !== digest) mismatched.push(key);
        }
        const sample = { checked: manifest.sample.length, matched: manifest.sample.length - mismatched.length, mismatched };
        return {
            ok: checksumMatches && keyspaceMatches && mismatched.length === 0,
            file,
            checksumMatches,
            keyspace: { expected: manifest.keyspace, restored, matches: keyspaceMatches },
            sample,
        };
    } finally {
        redis.disconnect();
        await scratch.stop();
        rmSync(dir, { recursive: true, force: true });
    }
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
    const dbs = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...dbs].every((db) => (a[db] ?? 0) === (b[db] ?? 0));
}
