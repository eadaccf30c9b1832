import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project name in Pulumi.yaml. */
export const PROJECT_NAME = "mcp-platform";

/**
 * Resource operations the engine runs at once (its default: 4 per CPU). The platform fans out (each
 * MCP server's objects are independent of the others'), and most of an update is waiting on the
 * cluster, not work: creating the local stack with 50 extra servers took 129 s at 8, 69 s at 16,
 * 55 s at 32 and 45 s at 64, with the engine's CPU time the same in each (`npm run bench:scale`
 * measures it against the default). The workflows set the same.
 */
export const ENGINE_PARALLELISM = 64;

/** The local stack keeps its state inside the repository (gitignored) and uses a local-only passphrase. */
export function stackEnvironment(projectDir: string, stack: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
    const out: Record<string, string> = {
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_PARALLEL: env.PULUMI_PARALLEL || String(ENGINE_PARALLELISM),
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
