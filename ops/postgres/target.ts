import { generationsOf, postgresLoginRole } from "../../platform/credentialGenerations";
import { STORE_SECRET } from "../../platform/secretUse";
import type { PlatformConfig } from "../../config/schema";
import type { PostgresTarget } from "./connect";

/** Where a stack's PostgreSQL is (its external endpoint, or the in-cluster Service) and who logs in, without the password. */
export function postgresAddress(config: PlatformConfig): Pick<PostgresTarget, "host" | "port" | "database" | "user"> {
    const { postgres } = config;
    if (postgres.mode === "external" && postgres.external)
        return { database: postgres.database, user: postgres.user, host: postgres.external.host, port: postgres.external.port };
    // The login role of the value in use, as the consumers log in: the password in the Secret's "value" is its.
    const user = postgresLoginRole(postgres.user, generationsOf(config.secrets[STORE_SECRET.postgres]).inUse);
    return { database: postgres.database, user, host: `postgres.${config.namespace}.svc.cluster.local`, port: 5432 };
}
