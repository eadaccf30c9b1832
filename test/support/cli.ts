import { execFile } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./platform";

export interface CliResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs the real `mcp-ops` executable, as a user would, under the project's Node.js (from the project, unless `cwd` says). */
export function runCli(args: string[], env: Record<string, string> = {}, cwd = REPO_ROOT): Promise<CliResult> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [join(REPO_ROOT, "ops", "mcp-ops.js"), ...args],
            { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, timeout: 60_000 },
            (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
    });
}
