import { createHash } from "node:crypto";
import type Redis from "ioredis";

/**
 * A checksum of a key's logical value (type and content, order-independent where Redis is),
 * so the same data compares equal across servers whatever its internal encoding.
 */
export async function valueDigest(redis: Redis, key: string): Promise<string | null> {
    const type = await redis.type(key);
    let content: unknown;
    switch (type) {
        case "none":
            return null;
        case "string":
            content = (await redis.getBuffer(key))?.toString("base64");
            break;
        case "hash":
            content = Object.entries(await redis.hgetall(key)).sort(([a], [b]) => (a < b ? -1 : 1));
            break;
        case "list":
            content = await redis.lrange(key, 0, -1);
            break;
        case "set":
            content = (await redis.smembers(key)).sort();
            break;
        case "zset":
            content = await redis.call("ZRANGE", key, "0", "-1", "WITHSCORES");
            break;
        case "stream":
            content = await redis.xrange(key, "-", "+");
            break;
        default:
            content = (await redis.dumpBuffer(key))?.toString("base64");
    }
    return createHash("sha256")
        .update(JSON.stringify([type, content]))
        .digest("hex");
}
