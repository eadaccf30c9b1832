import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { DebianRoot } from "./catalog";

/**
 * Every timestamp in a Debian layer. The layer depends on its packages, not on the project's
 * commit, so a fixed time keeps it reproducible and lets one cached layer serve every commit (the
 * project's own layer carries the commit's time). 2025-01-01T00:00:00Z.
 */
const DEBIAN_LAYER_EPOCH = 1_735_689_600;

/** Documentation, manuals and translations: nothing in a container reads them. */
const EXCLUDED_PATHS = ["/usr/share/doc/*", "/usr/share/man/*", "/usr/share/info/*", "/usr/share/locale/*", "/usr/share/lintian/*"];

/** Kept: copyright files, which the licences of the packages ask to ship. */
const KEPT_PATHS = ["/usr/share/doc/*/copyright"];

/**
 * Removed from every root filesystem: ssl-cert's "snakeoil" key pair, generated at install with a
 * random key (PostgreSQL's packages pull it in). A private key must not ship in an image, and a
 * random one would make every build differ.
 */
const ALWAYS_REMOVED =
    'rm -f "$1/etc/ssl/private/ssl-cert-snakeoil.key" "$1/etc/ssl/certs/ssl-cert-snakeoil.pem"; ' +
    'if [ -d "$1/etc/ssl/certs" ]; then find "$1/etc/ssl/certs" -lname ssl-cert-snakeoil.pem -delete; fi';

/**
 * The root filesystem of `root` as a tar, made by mmdebstrap (Debian's own bootstrapper) from the
 * machine's Debian mirror. mmdebstrap is reproducible: with SOURCE_DATE_EPOCH set, the same
 * packages give the same bytes. Cached by what it is made of; `fresh` makes it anew (a suite's
 * point release brings new package versions under the same name).
 */
export function debianRootfs(root: DebianRoot, o: { cacheDir: string; fresh: boolean; log: (line: string) => void }): string {
    const key = createHash("sha256")
        .update(JSON.stringify({ root, EXCLUDED_PATHS, KEPT_PATHS, ALWAYS_REMOVED, DEBIAN_LAYER_EPOCH, mmdebstrap: mmdebstrapVersion() }))
        .digest("hex")
        .slice(0, 16);
    mkdirSync(o.cacheDir, { recursive: true });
    const out = join(o.cacheDir, `rootfs-${root.suite}-${key}.tar`);
    if (existsSync(out) && !o.fresh) {
        o.log(`root filesystem (${root.suite}: ${root.packages.join(", ")}): cached`);
        return out;
    }
    o.log(`root filesystem (${root.suite}: ${root.packages.join(", ")}): mmdebstrap, about a minute ...`);
    const started = Date.now();
    const partial = `${out}.partial`;
    rmSync(partial, { force: true });
    const hooks = [
        // Users before packages: a package's maintainer script then finds the user with the UID the pod declares.
        ...(root.users ?? []).map(
            (u) =>
                `--essential-hook=echo '${u.name}:x:${u.uid}:${u.uid}::${u.home}:/usr/sbin/nologin' >> "$1/etc/passwd"; ` +
                `echo '${u.name}:x:${u.uid}:' >> "$1/etc/group"; echo '${u.name}:*:1::::::' >> "$1/etc/shadow"`,
        ),
        ...(root.remove ?? []).map((path) => `--customize-hook=rm -rf "$1${path}"`),
        `--customize-hook=${ALWAYS_REMOVED}`,
    ];
    execFileSync(
        "mmdebstrap",
        [
            "--quiet",
            "--variant=essential",
            "--format=tar",
            `--include=${root.packages.join(",")}`,
            ...EXCLUDED_PATHS.map((p) => `--dpkgopt=path-exclude=${p}`),
            ...KEPT_PATHS.map((p) => `--dpkgopt=path-include=${p}`),
            // The container runtime provides /dev.
            "--skip=output/dev",
            ...hooks,
            root.suite,
            partial,
        ],
        { env: { ...process.env, SOURCE_DATE_EPOCH: String(DEBIAN_LAYER_EPOCH) }, stdio: ["ignore", "inherit", "inherit"] },
    );
    renameSync(partial, out);
    o.log(`root filesystem (${root.suite}): made in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return out;
}

function mmdebstrapVersion(): string {
    try {
        return execFileSync("mmdebstrap", ["--version"], { encoding: "utf8" }).trim();
    } catch {
        throw new Error("mmdebstrap is not installed; run scripts/ensure-system-packages.sh (or apt-get install mmdebstrap)");
    }
}

/** Installed Debian packages (name, version, architecture) from a root filesystem's dpkg status. */
export function installedPackages(dpkgStatus: string): Array<{ name: string; version: string; arch: string }> {
    const stanzas = dpkgStatus.split(/\n\n+/).map((stanza) => {
        const fields: Record<string, string> = {};
        for (const line of stanza.split("\n")) {
            const field = /^([A-Za-z][\w-]*): (.*)$/.exec(line);
            if (field) fields[field[1]] = field[2];
        }
        return fields;
    });
    return stanzas
        .filter((f) => f.Package && / installed$/.test(f.Status ?? ""))
        .map((f) => ({ name: f.Package, version: f.Version, arch: f.Architecture }))
        .sort((a, b) => a.name.localeCompare(b.name));
}
