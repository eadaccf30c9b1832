import type { PlatformConfig, StoreName } from "../config/schema";

/** The credential of each store; a service that calls a store reads it. */
export const STORE_SECRET: Record<StoreName, string> = { redis: "redis-password", postgres: "postgres-password" };

/** The secrets a service reads: those in its secretEnv and those of the stores it calls. */
function secretsReadBy(config: PlatformConfig, service: string): string[] {
    const s = config.services[service];
    const stores = s.calls.filter((callee): callee is StoreName => callee in STORE_SECRET);
    return [...new Set([...Object.values(s.secretEnv), ...stores.map((store) => STORE_SECRET[store])])];
}

/** The services that read a secret, so roll when it is rotated. */
export function consumersOf(config: PlatformConfig, secret: string): string[] {
    return Object.keys(config.services).filter((name) => secretsReadBy(config, name).includes(secret));
}
