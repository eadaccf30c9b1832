import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { InvalidInputError, VerificationFailedError } from "../errors";
import { info } from "./connect";
import { startScratchRedis } from "./scratchServer";

/** A scratch redis-server holding an RDB file's data, on loopback, with its files in a temporary folder. */
export interface LoadedSnapshot {
    port: number;
    /** Keys per database as the loaded server counts them ("db0" → 12). */
    keyspace: Record<string, number>;
    connect(db: number): Redis;
    stop(): Promise<void>;
}

/**
 * Loads an RDB into a scratch redis-server. Loading checks the file's CRC64 checksum and every
 * record, so a damaged or truncated file fails here, with redis-server's own reason, before
 * anything else is touched.
 */
export async function loadSnapshot(file: string): Promise<LoadedSnapshot> {
    if (!existsSync(file)) throw new InvalidInputError(`${file} does not exist; pass the path of an RDB snapshot`);
    const dir = mkdtempSync(join(tmpdir(), "mcp-redis-snapshot-"));
    const cleanUp = () => rmSync(dir, { recursive: true, force: true });
    let scratch: Awaited<ReturnType<typeof startScratchRedis>>;
    try {
        copyFileSync(file, join(dir, "dump.rdb"));
        scratch = await startScratchRedis({ dir, dbfilename: "dump.rdb" });
    } catch (error) {
        const log = existsSync(join(dir, "redis.log")) ? readFileSync(join(dir, "redis.log"), "utf8") : "";
        const reason = log
            .split("\n")
            .filter((l) => /#|RDB|checksum|Short read|Bad file/i.test(l))
            .slice(-3)
            .join(" / ");
        cleanUp();
        if (reason) throw new VerificationFailedError(`${file} does not load in redis-server: ${reason}`);
        throw error;
    }
    const clients: Redis[] = [];
    const connect = (db: number) => {
        const client = new Redis({ host: "127.0.0.1", port: scratch.port, db, maxRetriesPerRequest: 1 });
        clients.push(client);
        return client;
    };
    const probe = connect(0);
    const keyspace: Record<string, number> = {};
    for (const [db, line] of Object.entries(await info(probe, "keyspace"))) keyspace[db] = Number(/keys=(\d+)/.exec(line)?.[1] ?? 0);
    return {
        port: scratch.port,
        keyspace,
        connect,
        async stop() {
            for (const c of clients) c.disconnect();
            await scratch.stop();
            cleanUp();
        },
    };
}
