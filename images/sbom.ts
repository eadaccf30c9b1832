import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface SbomPackage {
    name: string;
    version: string;
    /** Package URL: pkg:deb/debian/… or pkg:npm/… */
    purl: string;
}

export function debianPackages(installed: Array<{ name: string; version: string; arch: string }>, suite: string): SbomPackage[] {
    return installed.map((p) => ({
        name: p.name,
        version: p.version,
        purl: `pkg:deb/debian/${p.name}@${encodeURIComponent(p.version)}?arch=${p.arch}&distro=${suite}`,
    }));
}

/** The npm packages installed under `appDir`, from npm's own record of what it installed. */
export function npmPackages(appDir: string): SbomPackage[] {
    const record = join(appDir, "node_modules", ".package-lock.json");
    if (!existsSync(record)) return [];
    const lock = JSON.parse(readFileSync(record, "utf8")) as { packages: Record<string, { version?: string }> };
    return Object.entries(lock.packages)
        .filter(([path, p]) => path.includes("node_modules/") && p.version)
        .map(([path, p]) => {
            const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
            return { name, version: p.version!, purl: `pkg:npm/${name.replace("@", "%40")}@${p.version}` };
        })
        .sort((a, b) => a.purl.localeCompare(b.purl));
}

/** An SPDX 2.3 document (JSON) listing the image's packages, dated like the image (the commit's time). */
export function spdxDocument(imageRef: string, digest: string, packages: SbomPackage[], epoch: number): object {
    const unique = [...new Map(packages.map((p) => [p.purl, p])).values()];
    return {
        spdxVersion: "SPDX-2.3",
        dataLicense: "CC0-1.0",
        SPDXID: "SPDXRef-DOCUMENT",
        name: imageRef,
        documentNamespace: `https://spdx.org/spdxdocs/mcp-platform/${digest}`,
        creationInfo: { created: new Date(epoch * 1000).toISOString().replace(/\.\d+Z$/, "Z"), creators: ["Tool: mcp-platform images"] },
        packages: unique.map((p, i) => ({
            name: p.name,
            SPDXID: `SPDXRef-Package-${i}`,
            versionInfo: p.version,
            downloadLocation: "NOASSERTION",
            externalRefs: [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: p.purl }],
        })),
    };
}
