import type { PlatformConfig } from "../../config/schema";
import type { RedisTarget } from "./connect";

/**
 * Where Redis is for a stack: the URL given on the command line (e.g. after kubectl
 * port-forward), else the external endpoint or in-cluster service from config. The password
 * comes from the environment (the rotated secret's value), never from a flag.
 */
export function redisTarget(
    config: PlatformConfig | undefined,
    url: string | undefined,
    password: string | undefined,
    db?: number,
    tlsCaFile?: string,
): RedisTarget {
    if (url) return { url, password, db, tlsCaFile };
    if (config?.redis.mode === "external" && config.redis.external) {
        const { host, port, tls } = config.redis.external;
        return { host, port, tls, password, db, tlsCaFile };
    }
    return { host: `redis.${config?.namespace ?? "mcp-system"}.svc.cluster.local`, port: 6379, password, db, tlsCaFile };
}
