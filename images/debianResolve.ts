import { spawnSync } from "node:child_process";
import type { DebianRoot } from "./catalog";

/** What mmdebstrap is asked to install for `root`: the same for the simulation and the real run. */
export function packageSelection(root: DebianRoot): string[] {
    return ["--variant=essential", `--include=${root.packages.join(",")}`];
}

/**
 * The packages `root` would hold if it were made now, as sorted "name version" lines: apt's resolver
 * run by mmdebstrap against the mirror's current indices, with nothing downloaded but the indices
 * (about 5 s). A suite keeps its name while point releases and security updates change its package
 * versions, so this list, not the suite's name, says whether a cached root filesystem is current.
 */
export function resolvePackages(root: DebianRoot): string[] {
    // mmdebstrap writes apt's simulation, like all its progress, to stderr.
    const run = spawnSync("mmdebstrap", ["--simulate", "--verbose", ...packageSelection(root), root.suite, "/dev/null"], {
        encoding: "utf8",
        stdio: ["ignore", "ignore", "pipe"],
        maxBuffer: 64 << 20,
        timeout: 300_000,
    });
    const output = run.stderr ?? "";
    if (run.error || run.status !== 0) {
        const reason =
            run.error?.message ??
            output
                .split("\n")
                .filter((line) => /^E: /.test(line))
                .join("; ");
        throw new Error(`mmdebstrap could not resolve ${root.suite}'s packages (${reason || `exit ${run.status}`})`);
    }
    const packages = simulatedInstalls(output);
    if (packages.length === 0) throw new Error(`mmdebstrap's simulation of ${root.suite} listed no package to install`);
    return packages;
}

/** The "Inst <name> (<version> <release> [<arch>])" lines of apt's simulation, as sorted unique "name version" lines. */
export function simulatedInstalls(output: string): string[] {
    const lines = new Set<string>();
    for (const match of output.matchAll(/^Inst (\S+) \((\S+) /gm)) lines.add(`${match[1]} ${match[2]}`);
    return [...lines].sort();
}
