import * as pulumi from "@pulumi/pulumi";
import type { ExternalCredentials } from "../platform/declarePlatform";
import { ConfigError } from "./errors";
import { CONFIG_NAMESPACE, parsePlatformConfig, rawFromStackConfig } from "./load";
import type { PlatformConfig } from "./schema";

/**
 * Reads and validates the running stack's `mcp:` config before any resource is declared.
 * A bad config ends the program with every problem listed and no stack trace.
 */
export function loadStackConfig(): { config: PlatformConfig; credentials: ExternalCredentials } {
    try {
        const config = parsePlatformConfig(rawFromStackConfig(pulumi.runtime.allConfig()));
        const stackConfig = new pulumi.Config(CONFIG_NAMESPACE);
        const credentials: ExternalCredentials = {};
        const missing: string[] = [];
        if (config.redis.mode === "external") {
            credentials.redisPassword = stackConfig.getSecret("redisPassword") ?? noteMissing(missing, "redisPassword");
        }
        if (config.postgres.mode === "external") {
            credentials.postgresPassword = stackConfig.getSecret("postgresPassword") ?? noteMissing(missing, "postgresPassword");
        }
        if (missing.length > 0) throw new ConfigError(missing);
        return { config, credentials };
    } catch (error) {
        if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
        throw error;
    }
}

function noteMissing(missing: string[], key: string): undefined {
    missing.push(`${CONFIG_NAMESPACE}:${key} is required for an external store; set it with: pulumi config set --secret ${CONFIG_NAMESPACE}:${key} <password>`);
    return undefined;
}
