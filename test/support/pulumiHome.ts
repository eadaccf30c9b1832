import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

/** The Pulumi home a user's CLI runs with: $PULUMI_HOME, else ~/.pulumi. */
export function userPulumiHome(env: NodeJS.ProcessEnv = process.env): string {
    return env.PULUMI_HOME || join(homedir(), ".pulumi");
}

/**
 * A Pulumi home for one test run, removed when the run ends. Every CLI call writes to its home: a
 * workspace file per project and stack (`workspaces/`) and its own debug log (`logs/`, 31 MB per
 * update at 200 servers, kept up to 500 MB), which a run would otherwise leave on the host. Plugins
 * stay where the user has them: `plugins` links to the user's folder, so an install still lands there.
 */
export function privatePulumiHome(userHome: string): { home: string; remove: () => void } {
    const plugins = join(userHome, "plugins");
    if (!existsSync(plugins)) mkdirSync(plugins, { recursive: true });
    const home = mkdtempSync(join(tmpdir(), "mcp-pulumi-home-"));
    symlinkSync(plugins, join(home, "plugins"));
    return { home, remove: () => rmSync(home, { recursive: true, force: true }) };
}
