// The Automation API's own PulumiCommand, from its module alone: the CLI's version check starts before
// the rest of the Automation API (about 0.4 s of loading) is loaded, and runs while it loads.
import { PulumiCommand } from "@pulumi/pulumi/automation/cmd";
import { accessSync, constants, mkdirSync, realpathSync, statSync, symlinkSync } from "node:fs";
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import { SemVer } from "semver";
import { InvalidInputError, UnavailableError } from "../errors";

/**
 * The oldest Pulumi CLI mcp-ops is tested with (the suite runs change commands on this one and on a
 * newer one). Older CLIs are refused before anything changes, naming both versions.
 */
export const MINIMUM_PULUMI_VERSION = new SemVer("3.259.0");

/** The Pulumi CLI a command runs: the executable, and the PATH entry that finds it and the plugins that come with it. */
export interface PulumiCli {
    /** The executable as found (a symlink stays a symlink). */
    path: string;
    /** The directory of the real executable: a release archive keeps its bundled plugins (language hosts, policy analyzers) there. */
    pluginDir: string;
    command: PulumiCommand;
}

/** Where to look: $MCP_PULUMI when set, else the first `pulumi` on PATH. */
export function findPulumiCli(env: NodeJS.ProcessEnv = process.env): string {
    if (env.MCP_PULUMI) {
        const named = resolve(env.MCP_PULUMI);
        if (!isExecutableFile(named)) {
            throw new InvalidInputError(
                `MCP_PULUMI names ${named}, which is not an executable file; point it at a Pulumi CLI, or unset it`,
            );
        }
        return named;
    }
    for (const dir of (env.PATH ?? "").split(delimiter)) {
        const candidate = join(dir || ".", "pulumi");
        if (isExecutableFile(candidate)) return resolve(candidate);
    }
    throw new UnavailableError(
        `no Pulumi CLI: \`pulumi\` is not on PATH. Install Pulumi v${MINIMUM_PULUMI_VERSION} or newer (in CI, pulumi/actions), ` +
            `or name one with MCP_PULUMI=<path to pulumi>; for the local stack, the project's own: ` +
            `MCP_PULUMI="$(bash scripts/toolchain.sh pulumi)/pulumi"`,
    );
}

const checked = new Map<string, Promise<PulumiCli>>();

/**
 * The CLI at `path`, its version checked once per process (`pulumi version`, through the Automation
 * API's own PulumiCommand) against MINIMUM_PULUMI_VERSION and the major version this SDK speaks.
 */
export function pulumiCli(path: string): Promise<PulumiCli> {
    let found = checked.get(path);
    if (!found) {
        found = check(path);
        checked.set(path, found);
        found.catch(() => checked.delete(path));
    }
    return found;
}

async function check(path: string): Promise<PulumiCli> {
    const command = await PulumiCommand.get({ root: installRoot(path), skipVersionCheck: true }).catch((error: Error) => {
        throw new UnavailableError(`the Pulumi CLI at ${path} did not answer \`pulumi version\`: ${error.message.split("\n")[0]}`);
    });
    const version = command.version;
    if (!version || version.major !== MINIMUM_PULUMI_VERSION.major || version.compare(MINIMUM_PULUMI_VERSION) < 0) {
        throw new UnavailableError(
            `the Pulumi CLI at ${path} is ${version ? `v${version}` : "of an unknown version"}; mcp-ops needs ` +
                `v${MINIMUM_PULUMI_VERSION} or a newer v${MINIMUM_PULUMI_VERSION.major}: ` +
                "upgrade it, or name another with MCP_PULUMI=<path>",
        );
    }
    return { path, pluginDir: dirname(realpathSync(path)), command };
}

/**
 * The Automation API runs `<root>/bin/pulumi`. A CLI already in a `bin` folder (~/.pulumi/bin,
 * /usr/local/bin, the toolchain's) has its root above it; any other gets a root in the cache whose
 * bin/pulumi links to it.
 */
function installRoot(path: string): string {
    if (basename(path) === "pulumi" && basename(dirname(path)) === "bin") return dirname(dirname(path));
    const cacheRoot = process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
    const root = join(cacheRoot, "mcp-platform", "pulumi-cli", createHash("sha256").update(path).digest("hex").slice(0, 16));
    mkdirSync(join(root, "bin"), { recursive: true });
    try {
        symlinkSync(path, join(root, "bin", "pulumi"));
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    return root;
}

function isExecutableFile(path: string): boolean {
    try {
        accessSync(path, constants.X_OK);
        return statSync(path).isFile();
    } catch {
        return false;
    }
}
