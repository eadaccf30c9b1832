import { execFileSync } from "node:child_process";

/**
 * Writes `dir`'s contents as a tar whose bytes depend on the files alone: names sorted, every
 * timestamp `epoch`, owner root, no extended headers that carry access or change times. Two builds of
 * the same files give the same layer digest.
 */
export function reproducibleTar(dir: string, out: string, epoch: number): void {
    execFileSync("tar", [
        "--create",
        `--file=${out}`,
        `--directory=${dir}`,
        "--sort=name",
        "--format=gnu",
        `--mtime=@${epoch}`,
        "--owner=0",
        "--group=0",
        "--numeric-owner",
        ".",
    ]);
}

/** One member of a tar file, as text (e.g. ./var/lib/dpkg/status of a root filesystem). */
export function readTarMember(tarFile: string, member: string): string {
    return execFileSync("tar", ["--extract", "--to-stdout", `--file=${tarFile}`, member], { encoding: "utf8", maxBuffer: 64 << 20 });
}
