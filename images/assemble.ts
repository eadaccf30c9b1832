import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ImageSpec } from "./catalog";
import { reproducibleTar } from "./tarball";

/** What an image's config says beyond the catalog: OCI labels. */
export type Labels = Record<string, string>;

/**
 * crane assembles images through a registry API; this one is crane's own, in memory, on a loopback
 * port, for the length of one build. Nothing leaves the machine.
 */
export class ScratchRegistry {
    private constructor(
        private readonly process: ChildProcess,
        readonly address: string,
        private readonly crane: string,
    ) {}

    static async start(crane: string, port: number): Promise<ScratchRegistry> {
        const address = `127.0.0.1:${port}`;
        const child = spawn(crane, ["registry", "serve", "--address", address], { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr?.on("data", (chunk) => (stderr += chunk));
        const deadline = Date.now() + 15_000;
        while (!(await accepts(port))) {
            if (child.exitCode !== null || Date.now() > deadline) {
                child.kill("SIGKILL");
                throw new Error(`crane's scratch registry did not start on ${address}: ${stderr.trim() || "no output"}`);
            }
            await new Promise((r) => setTimeout(r, 100));
        }
        return new ScratchRegistry(child, address, crane);
    }

    /**
     * Assembles `layers` (uncompressed tars, in order) into an image with `image`'s config and
     * `labels`, and writes it as an OCI archive (an OCI image layout in a tar) named for its
     * reference, which `ctr images import` and `crane push` take as it is. Returns the manifest digest.
     */
    assemble(image: ImageSpec, layers: string[], labels: Labels, archive: string, epoch: number): string {
        const scratch = `${this.address}/${image.name}`;
        this.craneRun(["append", "--oci-empty-base", ...layers.flatMap((l) => ["-f", l]), "-t", `${scratch}:layers`]);
        this.craneRun([
            "mutate",
            `${scratch}:layers`,
            "--set-platform",
            "linux/amd64",
            ...image.entrypoint.map((e) => `--entrypoint=${e}`),
            ...(image.cmd ?? []).map((c) => `--cmd=${c}`),
            "--user",
            image.user,
            "--workdir",
            image.workdir,
            ...Object.entries(image.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
            ...Object.entries(labels).flatMap(([k, v]) => ["-l", `${k}=${v}`]),
            "-t",
            `${scratch}:image`,
        ]);
        const layout = mkdtempSync(join(tmpdir(), "mcp-image-layout-"));
        try {
            this.craneRun(["pull", "--format", "oci", `${scratch}:image`, layout]);
            const indexFile = join(layout, "index.json");
            const index = JSON.parse(readFileSync(indexFile, "utf8")) as { manifests: Array<{ digest: string; annotations?: object }> };
            if (index.manifests.length !== 1)
                throw new Error(`expected one manifest in ${image.name}'s layout, found ${index.manifests.length}`);
            const tag = image.ref.slice(image.ref.lastIndexOf(":") + 1);
            // containerd names an imported image by io.containerd.image.name; OCI tools read ref.name (the tag).
            index.manifests[0].annotations = { "io.containerd.image.name": image.ref, "org.opencontainers.image.ref.name": tag };
            writeFileSync(indexFile, `${JSON.stringify(index)}\n`);
            reproducibleTar(layout, archive, epoch);
            return index.manifests[0].digest;
        } finally {
            rmSync(layout, { recursive: true, force: true });
        }
    }

    stop(): void {
        this.process.kill("SIGKILL");
    }

    /** Each step of one image takes seconds; a step still running after five minutes has hung, and fails the build. */
    private craneRun(args: string[]): string {
        return execFileSync(this.crane, args, {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            maxBuffer: 16 << 20,
            timeout: 300_000,
            killSignal: "SIGKILL",
        });
    }
}

function accepts(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = connect(port, "127.0.0.1");
        socket.once("connect", () => (socket.destroy(), resolve(true)));
        socket.once("error", () => resolve(false));
    });
}
