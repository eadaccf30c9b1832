import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { DebianRoot } from "./catalog";
import { packageSelection, resolvePackages } from "./debianResolve";

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
 * packages give the same bytes. Cached by what it is made of, the package versions included: the
 * mirror is asked what the root would hold now, so a security update makes it anew. Without the
 * mirror, the newest cached root of the same recipe is used, and the log says so. `fresh` makes it
 * anew even when cached.
 */
export function debianRootfs(root: DebianRoot, o: { cacheDir: string; fresh: boolean; log: (line: string) => void }): string {
    const recipe = recipeKey(root);
    const what = `root filesystem (${root.suite}: ${root.packages.join(", ")})`;
    mkdirSync(o.cacheDir, { recursive: true });
    let resolved: string[];
    try {
        resolved = resolvePackages(root);
    } catch (error) {
        const cached = o.fresh ? undefined : cachedRoots(o.cacheDir, root.suite, recipe)[0];
        if (!cached) throw new Error(`${what}: ${(error as Error).message}; check that the Debian mirror is reachable`, { cause: error });
        o.log(`${what}: ${(error as Error).message}; using the cached one made ${cached.made.toISOString()}, which may miss updates`);
        return cached.path;
    }
    const out = rootPath(o.cacheDir, root.suite, recipe, resolved);
    if (existsSync(out) && !o.fresh) {
        o.log(`${what}: cached, ${resolved.length} packages as the mirror has them now`);
        return out;
    }
    o.log(`${what}: mmdebstrap, about a minute ...`);
    const started = Date.now();
    const partial = `${out}.partial`;
    rmSync(partial, { force: true });
    execFileSync(
        "mmdebstrap",
        [
            "--quiet",
            ...packageSelection(root),
            "--format=tar",
            ...EXCLUDED_PATHS.map((p) => `--dpkgopt=path-exclude=${p}`),
            ...KEPT_PATHS.map((p) => `--dpkgopt=path-include=${p}`),
            // The container runtime provides /dev.
            "--skip=output/dev",
            ...hooks(root),
            root.suite,
            partial,
        ],
        { env: { ...process.env, SOURCE_DATE_EPOCH: String(DEBIAN_LAYER_EPOCH) }, stdio: ["ignore", "inherit", "inherit"] },
    );
    // Named by the mirror's answer, not by the dpkg status: dpkg drops a package whose files another
    // package took over (bookworm's lsb-base), so the two lists differ even when nothing changed.
    for (const older of cachedRoots(o.cacheDir, root.suite, recipe)) rmSync(older.path, { force: true });
    renameSync(partial, out);
    o.log(`${what}: made in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return out;
}

/** Users before packages (a package's maintainer script then finds the UID the pod declares), then removals. */
function hooks(root: DebianRoot): string[] {
    return [
        ...(root.users ?? []).map(
            (u) =>
                `--essential-hook=echo '${u.name}:x:${u.uid}:${u.uid}::${u.home}:/usr/sbin/nologin' >> "$1/etc/passwd"; ` +
                `echo '${u.name}:x:${u.uid}:' >> "$1/etc/group"; echo '${u.name}:*:1::::::' >> "$1/etc/shadow"`,
        ),
        ...(root.remove ?? []).map((path) => `--customize-hook=rm -rf "$1${path}"`),
        `--customize-hook=${ALWAYS_REMOVED}`,
    ];
}

/** Everything but the package versions a root is made from. */
function recipeKey(root: DebianRoot): string {
    return shortHash({ root, EXCLUDED_PATHS, KEPT_PATHS, ALWAYS_REMOVED, DEBIAN_LAYER_EPOCH, mmdebstrap: mmdebstrapVersion() });
}

function rootPath(cacheDir: string, suite: string, recipe: string, packages: string[]): string {
    return join(cacheDir, `rootfs-${suite}-${recipe}-${shortHash(packages)}.tar`);
}

/** The cached roots of one recipe, newest first (with the one named by the recipe alone, as caches before package keys were). */
function cachedRoots(cacheDir: string, suite: string, recipe: string): Array<{ path: string; made: Date }> {
    const base = `rootfs-${suite}-${recipe}`;
    return readdirSync(cacheDir)
        .filter((name) => name === `${base}.tar` || (name.startsWith(`${base}-`) && name.endsWith(".tar")))
        .map((name) => ({ path: join(cacheDir, name), made: statSync(join(cacheDir, name)).mtime }))
        .sort((a, b) => b.made.getTime() - a.made.getTime());
}

function shortHash(value: unknown): string {
    return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
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
