import * as pulumi from "@pulumi/pulumi";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { ConfigError } from "../config/errors";
import { CONFIG_NAMESPACE, decodeStackConfig, parsePlatformConfig } from "../config/load";
import type { PlatformConfig } from "../config/schema";
import { declarePlatform, type ExternalCredentials } from "./declarePlatform";

/** The platform as an Automation API program (ops commands run it in-process): validated config, then every component. */
export const platformProgram: PulumiFn = async () => {
    const { config, credentials } = loadStackConfig();
    return declarePlatform(config, credentials) as unknown as Record<string, unknown>;
};

/**
 * The program of a change scoped to these services: the same, without the rest of the fleet
 * (declarePlatform's `onlyServices`). Only for an update or preview that targets no more than
 * them: an update targeting everything would delete what this program leaves out.
 */
export const servicesProgram =
    (services: readonly string[]): PulumiFn =>
    async () => {
        const { config, credentials } = loadStackConfig();
        return declarePlatform(config, credentials, services) as unknown as Record<string, unknown>;
    };

/**
 * Reads and validates the running stack's `mcp:` config before any resource is declared.
 * A bad config ends the program with every problem listed and no stack trace.
 */
export function loadStackConfig(): { config: PlatformConfig; credentials: ExternalCredentials } {
    try {
        const all = pulumi.runtime.allConfig();
        const providerProblems = missingProviderSettings(all);
        if (providerProblems.length > 0) throw new ConfigError(providerProblems);
        const config = parsePlatformConfig(decodeStackConfig(all));
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

/**
 * Kubernetes provider settings the program relies on. ConfigMaps and Secrets have fixed names (ops
 * commands and consumers find them by name); without these the provider replaces such an object on
 * every change, deleting it first, and replaces every workload that reads it with it.
 */
const REQUIRED_PROVIDER_SETTINGS: Record<string, string> = {
    "kubernetes:enableConfigMapMutable":
        "a tuning change would replace the service's ConfigMap and its Deployment (every pod at once) instead of rolling it",
    "kubernetes:enableSecretMutable":
        "a rotation would replace the Secret and every Deployment and StatefulSet that reads it instead of rolling them",
};

export function missingProviderSettings(all: Record<string, string>): string[] {
    return Object.entries(REQUIRED_PROVIDER_SETTINGS)
        .filter(([key]) => all[key] !== "true")
        .map(([key, why]) => `${key} must be true: otherwise ${why}; set it with: pulumi config set ${key} true`);
}

function noteMissing(missing: string[], key: string): undefined {
    missing.push(
        `${CONFIG_NAMESPACE}:${key} is required for an external store; set it with: pulumi config set --secret ` +
            `${CONFIG_NAMESPACE}:${key} <password>`,
    );
    return undefined;
}
