import { readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { parsePlatformConfig } from "../config/load";
import type { PlatformConfig } from "../config/schema";
import { InvalidInputError } from "./errors";

/** Raw `mcp:` config of a stack's settings file (Pulumi.<stack>.yaml), keys without the namespace. */
export function readRawStackConfig(stack: string, projectDir: string): Record<string, any> {
    const file = join(projectDir, `Pulumi.${stack}.yaml`);
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch {
        throw new InvalidInputError(`stack "${stack}" has no settings file ${file}; use --stack with one of local, staging, production`);
    }
    const config = (parse(text) as { config?: Record<string, unknown> } | null)?.config ?? {};
    const raw: Record<string, any> = {};
    for (const [key, value] of Object.entries(config)) {
        if (key.startsWith("mcp:")) raw[key.slice("mcp:".length)] = value;
    }
    return raw;
}

/** The validated config of a stack's settings file. */
export function readStackConfig(stack: string, projectDir: string): PlatformConfig {
    return parsePlatformConfig(readRawStackConfig(stack, projectDir));
}
