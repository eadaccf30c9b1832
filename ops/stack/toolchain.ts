import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";

/**
 * Where the Pulumi CLI is: $MCP_PULUMI_ROOT, else what scripts/toolchain.sh answers: the `pulumi`
 * on PATH when it is the pinned version, else one built once from pinned Go modules and cached.
 */
export function pulumiRoot(projectDir: string, env: NodeJS.ProcessEnv = process.env): string {
    if (env.MCP_PULUMI_ROOT) return env.MCP_PULUMI_ROOT;
    const bin = execFileSync("bash", [join(projectDir, "scripts", "toolchain.sh"), "pulumi"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...env, MCP_TOOLCHAIN_QUIET: "1" },
    }).trim();
    return dirname(bin);
}
