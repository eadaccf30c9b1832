import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { isPinnedImage, MCP_OPS_IMAGE } from "../../config/images";
import { backupsSchema, monitoringSchema } from "../../config/schema";
import { IMAGES, imageByName } from "../../images/catalog";
import { simulatedInstalls } from "../../images/debianResolve";
import { installedPackages } from "../../images/rootfs";
import { debianPackages, npmPackages, spdxDocument } from "../../images/sbom";
import { REPO_ROOT } from "../support/platform";

describe("image catalog", () => {
    it("names mcp-ops once: the published reference is the prober's and the backup job's default, at the package's version", () => {
        expect(imageByName("mcp-ops").ref).toBe(MCP_OPS_IMAGE);
        expect(monitoringSchema.parse({}).proberImage).toBe(MCP_OPS_IMAGE);
        expect(backupsSchema.parse({}).opsImage).toBe(MCP_OPS_IMAGE);
        const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
        expect(MCP_OPS_IMAGE.endsWith(`:${version}`)).toBe(true);
    });

    it("tags every local image under localhost/mcp-platform/, pinned, and never with another build's name", () => {
        for (const image of IMAGES.filter((i) => i.name !== "mcp-ops")) {
            expect(image.ref, image.name).toMatch(/^localhost\/mcp-platform\/[a-z0-9-]+:[\w.-]+$/);
            expect(isPinnedImage(image.ref), image.name).toBe(true);
        }
        // A Debian-built store names its suite: it is not the upstream alpine image of the same version.
        expect(imageByName("redis").ref).toMatch(/-bookworm$/);
        expect(imageByName("postgresql").ref).toMatch(/-bookworm$/);
        expect(imageByName("redis-exporter").ref).toMatch(/-trixie$/);
    });

    it("is what the local stack runs, except the user's own gateway and router", () => {
        const config = parse(readFileSync(join(REPO_ROOT, "Pulumi.local.yaml"), "utf8")).config;
        const declared = [
            config["mcp:redis"].image,
            config["mcp:postgres"].image,
            config["mcp:monitoring"].postgresExporterImage,
            config["mcp:monitoring"].redisExporterImage,
            ...Object.values(config["mcp:services"] as Record<string, { image: string }>).map((s) => s.image),
        ];
        const built = new Set(IMAGES.map((i) => i.ref));
        expect(declared.filter((ref) => !built.has(ref))).toEqual(["mcpplatform/gateway:1.4.2", "mcpplatform/router:1.4.2"]);
    });
});

describe("image SBOM", () => {
    const status = [
        "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.41-12",
        "Package: gone\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0",
        "Package: postgresql-client-17\nStatus: install ok installed\nArchitecture: amd64\nVersion: 17.6-0+deb13u1\nDepends: libpq5",
    ].join("\n\n");

    it("lists installed Debian packages only, with package URLs", () => {
        const installed = installedPackages(status);
        expect(installed.map((p) => p.name)).toEqual(["libc6", "postgresql-client-17"]);
        expect(debianPackages(installed, "trixie")[1].purl).toBe(
            "pkg:deb/debian/postgresql-client-17@17.6-0%2Bdeb13u1?arch=amd64&distro=trixie",
        );
    });

    it("reads npm's record of what it installed, and writes an SPDX 2.3 document dated by the commit", () => {
        const packages = npmPackages(REPO_ROOT);
        expect(packages).toContainEqual({ name: "@pulumi/pulumi", version: "3.259.0", purl: "pkg:npm/%40pulumi/pulumi@3.259.0" });
        expect(npmPackages(join(REPO_ROOT, "images"))).toEqual([]);
        const doc = spdxDocument("x:1", "sha256:ab", [{ name: "@a/b", version: "1.0.0", purl: "pkg:npm/%40a/b@1.0.0" }], 1_700_000_000) as {
            spdxVersion: string;
            creationInfo: { created: string };
            packages: Array<{ externalRefs: Array<{ referenceLocator: string }> }>;
        };
        expect(doc.spdxVersion).toBe("SPDX-2.3");
        expect(doc.creationInfo.created).toBe("2023-11-14T22:13:20Z");
        expect(doc.packages[0].externalRefs[0].referenceLocator).toBe("pkg:npm/%40a/b@1.0.0");
    });
});

describe("a Debian root's packages as the mirror has them now", () => {
    it("are the installs of apt's simulation, as sorted name-version lines, without the configure lines or progress", () => {
        const output = [
            "I: running apt-get update...",
            "Inst libssl3t64 (3.5.10-1~deb13u1 Debian-Security:13/stable-security [amd64])",
            "Conf libssl3t64 (3.5.10-1~deb13u1 Debian-Security:13/stable-security [amd64])",
            "Inst gcc-14-base (14.2.0-19 Debian:13.8/stable [amd64])",
            "Inst libc6 (2.41-12+deb13u5 Debian:13.8/stable [amd64]) []",
            "Inst gcc-14-base (14.2.0-19 Debian:13.8/stable [amd64])",
            "I: success in 3.8770 seconds",
        ].join("\n");
        expect(simulatedInstalls(output)).toEqual(["gcc-14-base 14.2.0-19", "libc6 2.41-12+deb13u5", "libssl3t64 3.5.10-1~deb13u1"]);
        expect(simulatedInstalls("I: no essential packages -- skipping...\n")).toEqual([]);
    });
});
