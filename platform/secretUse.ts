import type { PlatformConfig, StoreName } from "../config/schema";

/** The credential of each store; a service that calls a store reads it. */
export const STORE_SECRET: Record<StoreName, string> = { redis: "redis-password", postgres: "postgres-password" };

/** The store whose password this secret is, if it is one. */
export const storeOf = (secret: string): StoreName | undefined =>
    (Object.keys(STORE_SECRET) as StoreName[]).find((store) => STORE_SECRET[store] === secret);

/** The secrets a service reads through its secretEnv: it verifies with every accepted value (NAME_SET). */
const keySetsReadBy = (config: PlatformConfig, service: string) => Object.values(config.services[service].secretEnv);

/** The store passwords a service reads: those of the stores it calls. */
const storePasswordsReadBy = (config: PlatformConfig, service: string) =>
    config.services[service].calls.filter((callee): callee is StoreName => callee in STORE_SECRET).map((store) => STORE_SECRET[store]);

/**
 * The services that read a secret, so roll when it changes. `keySetOnly`: those that read its
 * key set (secretEnv), which roll at every phase of a rotation, not only when the value in use changes.
 */
export function consumersOf(config: PlatformConfig, secret: string, keySetOnly = false): string[] {
    return Object.keys(config.services).filter(
        (name) => keySetsReadBy(config, name).includes(secret) || (!keySetOnly && storePasswordsReadBy(config, name).includes(secret)),
    );
}

/** Whether a secret is a store's password for a store run elsewhere: that service decides which values it accepts. */
export function isExternalCredential(config: PlatformConfig, secret: string): boolean {
    const store = storeOf(secret);
    return store !== undefined && config[store].mode === "external";
}
