import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freeLoopbackPort } from "../ops/redis/scratchServer";
import { ScratchRegistry } from "./assemble";
import { IMAGES, type ImageSpec, imageByName } from "./catalog";
import { fillContent } from "./content";
import { debianRootfs, installedPackages } from "./rootfs";
import { debianPackages, npmPackages, type SbomPackage, spdxDocument } from "./sbom";
import { readTarMember, reproducibleTar } from "./tarball";

const repo = resolve(__dirname, "..");

export interface BuildOptions {
    names: string[];
    /** Where the OCI archives, SBOMs and images.json go. Default <repo>/.local/images. */
    outDir: string;
    /** Make the Debian root filesystems and the npm packages anew instead of taking them from the cache. */
    fresh: boolean;
    /** Cache of root filesystems and npm packages. Default $MCP_IMAGE_CACHE or ~/.cache/mcp-platform/images. */
    cacheDir: string;
    log: (line: string) => void;
    /** Where each image's scratch folder goes while it is built (removed after). Default the system's temporary folder. */
    scratchDir?: string;
}

export interface BuiltImage {
    name: string;
    ref: string;
    /** The manifest's digest: what a registry and containerd call the image. */
    digest: string;
    archive: string;
    archiveBytes: number;
    seconds: number;
}

/** The commit's time: every timestamp inside the images, so two builds of one commit are identical. */
function sourceDateEpoch(): number {
    const fromEnv = process.env.SOURCE_DATE_EPOCH;
    if (fromEnv) return Number(fromEnv);
    return Number(execFileSync("git", ["log", "-1", "--format=%ct"], { cwd: repo, encoding: "utf8" }).trim());
}

function labels(image: ImageSpec, epoch: number): Record<string, string> {
    const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as {
        version: string;
        license: string;
        repository: { url: string };
    };
    const revision = execFileSync("git", ["rev-parse", "HEAD"], { cwd: repo, encoding: "utf8" }).trim();
    return {
        "org.opencontainers.image.title": image.name,
        "org.opencontainers.image.description": image.description,
        "org.opencontainers.image.version": image.ref.slice(image.ref.lastIndexOf(":") + 1),
        "org.opencontainers.image.revision": revision,
        "org.opencontainers.image.source": pkg.repository.url,
        "org.opencontainers.image.licenses": image.name === "mcp-ops" ? pkg.license : "NOASSERTION",
        "org.opencontainers.image.created": new Date(epoch * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
    };
}

/**
 * What a deploy of the local stack must build first: the images with no archive in `outDir` yet,
 * and always mcp-ops, which holds the project's own code (the prober and the backup jobs must run
 * the code at hand, not an earlier build of it). The others change only with images/ itself.
 */
export function imagesToRefresh(outDir: string): string[] {
    return IMAGES.map((i) => i.name).filter((name) => name === "mcp-ops" || !existsSync(join(outDir, `${name}.oci.tar`)));
}

/** Builds the named images (all by default) into OCI archives, one after the other. */
export async function buildImages(o: BuildOptions): Promise<BuiltImage[]> {
    const images = o.names.length ? o.names.map(imageByName) : IMAGES;
    const epoch = sourceDateEpoch();
    const toolchainBin = execFileSync("bash", [join(repo, "scripts", "toolchain.sh"), "images"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    }).trim();
    if (images.some((i) => i.content.kind === "mcp-ops")) {
        o.log("mcp-ops: compiling (tsc -p tsconfig.build.json) ...");
        execFileSync(join(repo, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.build.json"], { cwd: repo, stdio: "inherit" });
    }
    mkdirSync(o.outDir, { recursive: true });
    const built: BuiltImage[] = [];
    for (const [i, image] of images.entries()) {
        const log = (line: string) => o.log(`[${i + 1}/${images.length}] ${image.name}: ${line}`);
        // A registry of its own for each image (about 0.1 s): with one registry for a whole build,
        // crane mutate once hung on the sixth image for 13 minutes, cause not found.
        const registry = await ScratchRegistry.start(join(toolchainBin, "crane"), await freeLoopbackPort());
        try {
            built.push(buildOne(image, { ...o, log, epoch, toolchainBin, registry }));
        } finally {
            registry.stop();
        }
    }
    const summaryFile = join(o.outDir, "images.json");
    const previous = readSummary(summaryFile).filter((p) => !built.some((b) => b.name === p.name));
    writeFileSync(summaryFile, `${JSON.stringify([...previous, ...built], null, 2)}\n`);
    return built;
}

function readSummary(file: string): BuiltImage[] {
    try {
        return JSON.parse(readFileSync(file, "utf8")) as BuiltImage[];
    } catch {
        return [];
    }
}

function buildOne(image: ImageSpec, o: BuildOptions & { epoch: number; toolchainBin: string; registry: ScratchRegistry }): BuiltImage {
    const started = Date.now();
    const work = mkdtempSync(join(o.scratchDir ?? tmpdir(), `mcp-image-${image.name}-`));
    try {
        const layers: string[] = [];
        const packages: SbomPackage[] = [];
        if (image.debian) {
            const rootfs = debianRootfs(image.debian, { cacheDir: o.cacheDir, fresh: o.fresh, log: o.log });
            const installed = installedPackages(readTarMember(rootfs, "./var/lib/dpkg/status"));
            checkClaim(image, installed);
            packages.push(...debianPackages(installed, image.debian.suite));
            layers.push(rootfs);
        }
        const stage = join(work, "stage");
        mkdirSync(stage);
        fillContent(image.content, stage, { repo, toolchainBin: o.toolchainBin, cacheDir: o.cacheDir, fresh: o.fresh, log: o.log });
        for (const app of ["opt/mcp-ops", "opt/mcp-servers"]) packages.push(...npmPackages(join(stage, app)));
        const content = join(work, "content.tar");
        reproducibleTar(stage, content, o.epoch);
        layers.push(content);

        const archive = join(o.outDir, `${image.name}.oci.tar`);
        const digest = o.registry.assemble(image, layers, labels(image, o.epoch), archive, o.epoch);
        const sbom = spdxDocument(image.ref, digest, packages, o.epoch);
        writeFileSync(join(o.outDir, `${image.name}.spdx.json`), `${JSON.stringify(sbom, null, 2)}\n`);
        const seconds = (Date.now() - started) / 1000;
        const archiveBytes = statSync(archive).size;
        o.log(`${image.ref} ${digest} (${(archiveBytes / 1e6).toFixed(1)} MB, ${seconds.toFixed(0)} s)`);
        return { name: image.name, ref: image.ref, digest, archive, archiveBytes, seconds };
    } finally {
        rmSync(work, { recursive: true, force: true });
    }
}

/** A tag that says "redis 7.0" must hold redis 7.0: a suite's new major would otherwise hide behind an old tag. */
function checkClaim(image: ImageSpec, installed: Array<{ name: string; version: string }>): void {
    if (!image.claim) return;
    const { debianPackage, versionPrefix } = image.claim;
    const found = installed.find((p) => p.name === debianPackage);
    if (!found?.version.startsWith(versionPrefix)) {
        throw new Error(
            `${image.name}: its tag (${image.ref}) claims ${debianPackage} ${versionPrefix}*, but the root filesystem has ` +
                `${found ? found.version : "no such package"}; change the tag in images/catalog.ts to what it holds`,
        );
    }
}

export function defaultOptions(): Omit<BuildOptions, "names"> {
    return {
        outDir: join(repo, ".local", "images"),
        fresh: false,
        cacheDir: process.env.MCP_IMAGE_CACHE ?? join(homedir(), ".cache", "mcp-platform", "images"),
        log: (line) => process.stderr.write(`images: ${line}\n`),
    };
}
