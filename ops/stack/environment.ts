import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project name in Pulumi.yaml. */
export const PROJECT_NAME = "mcp-platform";

/** The local stack keeps its state inside the repository (gitignored) and uses a local-only passphrase. */
export function stackEnvironment(projectDir: string, stack: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
    const out: Record<string, string> = {
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
    if (stack === "local") {
        out.PULUMI_BACKEND_URL = env.PULUMI_BACKEND_URL || `file://${join(projectDir, ".pulumi-state")}`;
        out.PULUMI_CONFIG_PASSPHRASE = env.PULUMI_CONFIG_PASSPHRASE ?? LOCAL_PASSPHRASE;
    }
    return out;
}

/** A file:// state backend must exist before the CLI can use it. */
export function ensureFileBackend(url: string | undefined): void {
    if (url?.startsWith("file://")) mkdirSync(fileURLToPath(url), { recursive: true });
}

/** Protects only the local stack's generated secrets, on the developer's own machine. */
const LOCAL_PASSPHRASE = "mcp-platform-local-only";
