import { readFileSync } from "node:fs";
import Redis, { type RedisOptions } from "ioredis";
import { InvalidInputError, UnavailableError } from "../errors";

export interface RedisTarget {
    /** redis://[:password@]host:port[/db] or rediss:// for TLS. */
    url?: string;
    host?: string;
    port?: number;
    /** Taken from the rotated secret; never printed. */
    password?: string;
    db?: number;
    tls?: boolean;
    /** CA certificate (PEM file) to trust for TLS, e.g. a private CA's; implies TLS. */
    tlsCaFile?: string;
    /** Milliseconds to wait for the connection. Default 5000. */
    connectTimeoutMs?: number;
}

/** TLS settings for a target: on for rediss:// URLs, `tls`, or a CA file; off otherwise. */
export function tlsOptions(target: RedisTarget): { ca?: Buffer } | undefined {
    const useTls = target.tls || target.tlsCaFile !== undefined || (target.url?.startsWith("rediss://") ?? false);
    if (!useTls) return undefined;
    if (target.tlsCaFile === undefined) return {};
    try {
        return { ca: readFileSync(target.tlsCaFile) };
    } catch {
        throw new InvalidInputError(`cannot read the CA certificate ${target.tlsCaFile}; pass a PEM file with --tls-ca`);
    }
}

/** host:port of a target, for messages (never the password). */
export function describeTarget(target: RedisTarget): string {
    if (target.url) {
        const u = new URL(target.url);
        return `${u.hostname}:${u.port || 6379}`;
    }
    return `${target.host ?? "127.0.0.1"}:${target.port ?? 6379}`;
}

/**
 * Connects and proves the connection with PING, so that every later failure is about the
 * operation, not the connection. Fails fast: no offline queue, no endless reconnects.
 */
export async function connectRedis(target: RedisTarget): Promise<Redis> {
    if (target.db !== undefined && (!Number.isInteger(target.db) || target.db < 0 || target.db > 15)) {
        throw new InvalidInputError(`--db ${target.db} is not a Redis database number; use 0-15`);
    }
    const options: RedisOptions = {
        password: target.password,
        db: target.db,
        connectTimeout: target.connectTimeoutMs ?? 5000,
        lazyConnect: true,
        // Without the ready check a loading server answers PING with LOADING at once, which
        // becomes a clear message, instead of the client silently waiting for the load to end.
        enableReadyCheck: false,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        retryStrategy: () => null,
        tls: tlsOptions(target),
    };
    const redis = target.url
        ? new Redis(target.url, options)
        : new Redis({ ...options, host: target.host ?? "127.0.0.1", port: target.port ?? 6379 });
    // An auth failure during the handshake arrives as an event while connect() only reports
    // "Connection is closed", so the event's error is the one worth explaining.
    let handshakeError: unknown;
    redis.on("error", (error) => (handshakeError ??= error));
    try {
        await redis.connect();
        await redis.ping();
        return redis;
    } catch (error) {
        redis.disconnect();
        throw explainRedisError(handshakeError ?? error, describeTarget(target));
    }
}

/** Turns Redis failures into messages that say what is wrong and what to do. */
export function explainRedisError(error: unknown, where: string): Error {
    const text = error instanceof Error ? error.message : String(error);
    if (/certificate|self.signed|SSL routines|wrong version number|altnames/i.test(text)) {
        return new UnavailableError(
            `TLS with Redis at ${where} failed (${text.split("\n")[0]}); trust its CA with --tls-ca <file>, or use redis:// if it does ` +
                `not speak TLS`,
        );
    }
    if (/WRONGPASS|invalid username-password/i.test(text)) {
        return new UnavailableError(
            `Redis at ${where} rejected the password; use the current value of the redis-password secret (it may have been rotated)`,
        );
    }
    if (/NOAUTH/i.test(text)) {
        return new UnavailableError(`Redis at ${where} requires a password; pass it with --password-env or the URL`);
    }
    if (/LOADING/i.test(text)) {
        return new UnavailableError(
            `Redis at ${where} is still loading its dataset into memory; retry when INFO persistence shows loading:0`,
        );
    }
    if (/READONLY/i.test(text)) {
        return new UnavailableError(`Redis at ${where} is a read-only replica; point the command at the primary`);
    }
    if (/OOM/i.test(text)) {
        return new UnavailableError(
            `Redis at ${where} is out of memory (maxmemory reached with noeviction); free memory or raise maxmemory before writing`,
        );
    }
    if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|connect ETIMEDOUT|Connection is closed/i.test(text)) {
        const inCluster = /^redis\.([a-z0-9-]+)\.svc\.cluster\.local:/.exec(where);
        const reach = inCluster
            ? `that is an in-cluster address; reach it with kubectl -n ${inCluster[1]} port-forward svc/redis 6379:6379, then --url ` +
              `redis://127.0.0.1:6379`
            : "check the address and that this machine may connect to it";
        return new UnavailableError(`Redis at ${where} is unreachable (${text.split("\n")[0]}); ${reach}`);
    }
    return error instanceof Error ? error : new Error(text);
}

/** INFO section parsed into a map. */
export async function info(redis: Redis, section: string): Promise<Record<string, string>> {
    const text = await redis.info(section);
    const out: Record<string, string> = {};
    for (const line of text.split("\r\n")) {
        const colon = line.indexOf(":");
        if (colon > 0 && !line.startsWith("#")) out[line.slice(0, colon)] = line.slice(colon + 1);
    }
    return out;
}

/** Runs `work` on a connection that is always closed afterwards. */
export async function withRedis<T>(target: RedisTarget, work: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = await connectRedis(target);
    try {
        return await work(redis);
    } finally {
        redis.disconnect();
    }
}
