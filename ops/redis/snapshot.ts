import { createHash } from "node:crypto";
import { createWriteStream, renameSync, writeFileSync } from "node:fs";
import type Redis from "ioredis";
import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { OperationFailedError, OpsTimeoutError } from "../errors";
import { describeTarget, explainRedisError, info, type RedisTarget, tlsOptions } from "./connect";
import { valueDigest } from "./digest";

/** What the restore drill checks a snapshot against. Written next to the RDB as <file>.json. */
export interface SnapshotManifest {
    createdAt: string;
    source: string;
    bytes: number;
    sha256: string;
    /** Keys per database just before the snapshot, e.g. {db0: 1000}. */
    keyspace: Record<string, number>;
    /** Random keys of db0 with the digest of their value just before the snapshot. */
    sample: Array<{ key: string; digest: string }>;
}

export interface SnapshotOptions {
    /** Sampled keys recorded for verification. Default 200. */
    sample?: number;
    /** Default 900000. */
    timeoutMs?: number;
    onProgress?: (bytes: number, total?: number) => void;
}

/**
 * Copies an RDB snapshot of a (possibly remote) Redis into a local file over the replication
 * protocol, as `redis-cli --rdb` does, and writes its manifest. The file is written under a
 * temporary name and renamed only when complete.
 */
export async function snapshotToFile(
    redis: Redis,
    target: RedisTarget,
    file: string,
    options: SnapshotOptions = {},
): Promise<SnapshotManifest> {
    const where = describeTarget(target);
    const keyspace: Record<string, number> = {};
    for (const [db, line] of Object.entries(await info(redis, "keyspace"))) keyspace[db] = Number(/keys=(\d+)/.exec(line)?.[1] ?? 0);
    const sample: SnapshotManifest["sample"] = [];
    const sampleKeys = redis.pipeline();
    for (let i = 0; i < (options.sample ?? 200); i++) sampleKeys.randomkey();
    for (const key of new Set(((await sampleKeys.exec()) ?? []).map(([, k]) => k as string | null))) {
        if (key === null) continue;
        const digest = await valueDigest(redis, key);
        if (digest) sample.push({ key, digest });
    }

    const partial = `${file}.partial`;
    const { bytes, sha256 } = await syncRdb(target, partial, options);
    renameSync(partial, file);
    const manifest: SnapshotManifest = { createdAt: new Date().toISOString(), source: where, bytes, sha256, keyspace, sample };
    writeFileSync(`${file}.json`, JSON.stringify(manifest, null, 2));
    return manifest;
}

function syncRdb(target: RedisTarget, file: string, options: SnapshotOptions): Promise<{ bytes: number; sha256: string }> {
    const url = target.url ? new URL(target.url) : undefined;
    const host = url?.hostname ?? target.host ?? "127.0.0.1";
    const port = Number(url?.port || target.port || 6379);
    const password = target.password ?? (url?.password ? decodeURIComponent(url.password) : undefined);
    const tls = tlsOptions(target);
    const where = `${host}:${port}`;

    return new Promise((resolve, reject) => {
        const socket: Socket = tls
            ? connectTls({ host, port, servername: /^[\d.]+$/.test(host) ? undefined : host, ca: tls.ca })
            : connectTcp({ host, port });
        const out = createWriteStream(file);
        const hash = createHash("sha256");
        const timer = setTimeout(
            () => fail(new OpsTimeoutError(`snapshot from ${where} did not finish within ${options.timeoutMs ?? 900_000} ms`)),
            options.timeoutMs ?? 900_000,
        );
        let settled = false;
        let buffer = Buffer.alloc(0);
        let phase: "auth" | "header" | "body" = password ? "auth" : "header";
        let remaining = 0;
        let eofMark: Buffer | undefined;
        let written = 0;
        let tail = Buffer.alloc(0);

        function fail(error: Error) {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            socket.destroy();
            out.destroy();
            reject(error);
        }
        function write(chunk: Buffer) {
            if (chunk.length === 0) return;
            written += chunk.length;
            hash.update(chunk);
            out.write(chunk);
            options.onProgress?.(written, eofMark ? undefined : written + remaining);
        }
        function finish() {
            settled = true;
            clearTimeout(timer);
            socket.destroy();
            out.end(() => resolve({ bytes: written, sha256: hash.digest("hex") }));
        }
        const command = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;

        socket.on("connect", () => socket.write(password ? command("AUTH", password) : command("SYNC")));
        socket.on("secureConnect", () => undefined);
        socket.on("error", (error) => fail(explainRedisError(error, where)));
        socket.on("close", () => {
            if (!settled)
                fail(
                    new OperationFailedError(`${where} closed the connection before the snapshot was complete (${written} bytes received)`),
                );
        });
        socket.on("data", (chunk: Buffer) => {
            buffer = Buffer.concat([buffer, chunk]);
            while (buffer.length > 0 && !settled) {
                if (phase === "auth" || phase === "header") {
                    // The primary sends bare newlines as keep-alives while it prepares the RDB.
                    while (buffer[0] === 0x0a) buffer = buffer.subarray(1);
                    const end = buffer.indexOf("\r\n");
                    if (end < 0) return;
                    const line = buffer.subarray(0, end).toString();
                    buffer = buffer.subarray(end + 2);
                    if (line.startsWith("-")) return fail(explainRedisError(new Error(line.slice(1)), where));
                    if (phase === "auth") {
                        phase = "header";
                        socket.write(command("SYNC"));
                        continue;
                    }
                    if (line.startsWith("$EOF:")) {
                        eofMark = Buffer.from(line.slice(5));
                    } else if (line.startsWith("$")) {
                        remaining = Number(line.slice(1));
                    } else {
                        continue;
                    }
                    phase = "body";
                } else if (eofMark) {
                    // Diskless transfer: the payload ends with the 40-byte mark announced in the header.
                    const data = Buffer.concat([tail, buffer]);
                    buffer = Buffer.alloc(0);
                    const at = data.indexOf(eofMark);
                    if (at >= 0) {
                        write(data.subarray(0, at));
                        return finish();
                    }
                    const keep = Math.min(eofMark.length, data.length);
                    write(data.subarray(0, data.length - keep));
                    tail = data.subarray(data.length - keep);
                } else {
                    const take = Math.min(remaining, buffer.length);
                    write(buffer.subarray(0, take));
                    buffer = buffer.subarray(take);
                    remaining -= take;
                    if (remaining === 0) return finish();
                }
            }
        });
    });
}
