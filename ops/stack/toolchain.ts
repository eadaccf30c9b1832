import { execFileSync } from "child_process";
import { dirname, join } from "path";

/**
 * Where the Pulumi CLI is: $MCP_PULUMI_ROOT, else `pulumi` on PATH (undefined), else the
 * project's own toolchain (built once from pinned Go modules, then cached).
 */
export function pulumiRoot(projectDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    if (env.MCP_PULUMI_ROOT) return env.MCP_PULUMI_ROOT;
    try {
        execFileSync("sh", ["-c", "command -v pulumi"], { stdio: "ignore" });
        return undefined;
    } catch {
        const bin = execFileSync("bash", [join(projectDir, "scripts", "toolchain.sh"), "pulumi"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], env: { ...env, MCP_TOOLCHAIN_QUIET: "1" } }).trim();
        return dirname(bin);
    }
}
