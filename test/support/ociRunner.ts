import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** An image's config as the OCI image spec writes it. */
export interface ImageConfig {
    Entrypoint?: string[];
    Cmd?: string[];
    Env?: string[];
    User?: string;
    WorkingDir?: string;
    Labels?: Record<string, string>;
}

export interface UnpackedImage {
    rootfs: string;
    config: ImageConfig;
    architecture: string;
    os: string;
}

function tarMember(archive: string, member: string): Buffer {
    return execFileSync("tar", ["--extract", "--to-stdout", `--file=${archive}`, member], { maxBuffer: 1 << 30 });
}

const blob = (digest: string) => `./blobs/${digest.replace(":", "/")}`;

/** Unpacks an OCI archive's single image (layers in order) into `dir`/rootfs: the image's own files, nothing else. */
export function unpackImage(archive: string, dir: string): UnpackedImage {
    const index = JSON.parse(tarMember(archive, "./index.json").toString()) as { manifests: Array<{ digest: string }> };
    const manifest = JSON.parse(tarMember(archive, blob(index.manifests[0].digest)).toString()) as {
        config: { digest: string };
        layers: Array<{ digest: string }>;
    };
    const config = JSON.parse(tarMember(archive, blob(manifest.config.digest)).toString()) as {
        config: ImageConfig;
        architecture: string;
        os: string;
    };
    const rootfs = join(dir, "rootfs");
    mkdirSync(rootfs, { recursive: true });
    for (const layer of manifest.layers) {
        execFileSync("sh", [
            "-c",
            'tar --extract --to-stdout --file="$1" "$2" | tar --extract --gzip --numeric-owner --directory="$3"',
            "-",
            archive,
            blob(layer.digest),
            rootfs,
        ]);
    }
    return { rootfs, config: config.config, architecture: config.architecture, os: config.os };
}

export interface Mount {
    host: string;
    container: string;
    readOnly?: boolean;
}

/** A container as a pod spec would run it. */
export interface ContainerSpec {
    /** Replaces the image's entrypoint (Kubernetes `command`); the image's Cmd is then dropped unless `args` is set. */
    command?: string[];
    /** Replaces the image's Cmd (Kubernetes `args`). */
    args?: string[];
    env?: Record<string, string>;
    /** runAsUser/runAsGroup; default the image's user. */
    uid?: number;
    gid?: number;
    /** Writable folders mounted into the container; `fsGroup` ownership is given to them as the kubelet would. */
    mounts?: Mount[];
}

/** `$(NAME)` in command and args is expanded from the container's env, as the kubelet does. */
function expand(values: string[], env: Record<string, string>): string[] {
    return values.map((v) => v.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole));
}

export interface RunningContainer {
    id: string;
    process: ChildProcess;
    output(): string;
    /** Resolves with the exit code. */
    exited: Promise<number>;
    stop(): Promise<void>;
}

/**
 * Runs images with runc, as a kubelet would under the platform's pod security: the image's own
 * filesystem as a read-only root, a tmpfs /tmp, the declared user, no capabilities, no new
 * privileges. Containers share this machine's network namespace, so their servers listen on
 * loopback ports the test chooses. runc's state lives in a temporary folder removed by `close`.
 */
export class OciRunner {
    /** runc's state and the containers' bundles; removed by `close`. */
    readonly state = mkdtempSync(join(tmpdir(), "mcp-runc-"));
    private readonly containers = new Map<string, RunningContainer>();
    private count = 0;

    constructor(private readonly runc: string) {}

    run(image: UnpackedImage, spec: ContainerSpec = {}): RunningContainer {
        const id = `mcp-test-${process.pid}-${++this.count}`;
        const bundle = join(this.state, id);
        mkdirSync(bundle);
        const imageEnv = Object.fromEntries((image.config.Env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
        const env = { HOSTNAME: id, ...imageEnv, ...spec.env };
        const [imageUid, imageGid] = (image.config.User ?? "0:0").split(":").map(Number);
        const uid = spec.uid ?? imageUid;
        const gid = spec.gid ?? imageGid ?? uid;
        const args = expand(
            [...(spec.command ?? image.config.Entrypoint ?? []), ...(spec.args ?? (spec.command ? [] : (image.config.Cmd ?? [])))],
            env,
        );
        for (const m of spec.mounts ?? []) if (!m.readOnly) chownSync(m.host, uid, gid);
        const config = {
            ociVersion: "1.2.0",
            process: {
                terminal: false,
                user: { uid, gid, additionalGids: [gid] },
                args,
                env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
                cwd: image.config.WorkingDir || "/",
                capabilities: { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] },
                noNewPrivileges: true,
            },
            root: { path: image.rootfs, readonly: true },
            hostname: id,
            mounts: [
                { destination: "/proc", type: "proc", source: "proc" },
                { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
                {
                    destination: "/dev/pts",
                    type: "devpts",
                    source: "devpts",
                    options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"],
                },
                {
                    destination: "/dev/shm",
                    type: "tmpfs",
                    source: "shm",
                    options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
                },
                { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
                { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
                { destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777", "size=65536k"] },
                ...(spec.mounts ?? []).map((m) => ({
                    destination: m.container,
                    type: "bind",
                    source: m.host,
                    options: ["rbind", m.readOnly ? "ro" : "rw"],
                })),
            ],
            linux: {
                namespaces: [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }],
                cgroupsPath: `/${id}`,
                resources: { devices: [{ allow: false, access: "rwm" }] },
                maskedPaths: ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
                readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
            },
        };
        writeFileSync(join(bundle, "config.json"), JSON.stringify(config));
        const child = spawn(this.runc, ["--root", join(this.state, "runc"), "run", "--no-new-keyring", "--bundle", bundle, id], {
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout?.on("data", (c) => (output += c));
        child.stderr?.on("data", (c) => (output += c));
        const exited = new Promise<number>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1))));
        const container: RunningContainer = {
            id,
            process: child,
            output: () => output,
            exited,
            stop: async () => {
                if (child.exitCode === null) {
                    this.runcQuietly(["kill", id, "TERM"]);
                    const killed = await Promise.race([
                        exited.then(() => true),
                        new Promise<boolean>((r) => setTimeout(() => r(false), 20_000)),
                    ]);
                    if (!killed) this.runcQuietly(["kill", id, "KILL"]);
                    await exited;
                }
                this.runcQuietly(["delete", "--force", id]);
                this.containers.delete(id);
            },
        };
        this.containers.set(id, container);
        return container;
    }

    /** Runs a container to completion; resolves with its exit code and output. */
    async runToEnd(image: UnpackedImage, spec: ContainerSpec = {}, timeoutMs = 120_000): Promise<{ code: number; output: string }> {
        const c = this.run(image, spec);
        const timer = setTimeout(() => void c.stop(), timeoutMs);
        const code = await c.exited;
        clearTimeout(timer);
        await c.stop();
        return { code, output: c.output() };
    }

    /** Stops every container still running and removes runc's state. */
    async close(): Promise<void> {
        await Promise.all([...this.containers.values()].map((c) => c.stop()));
        rmSync(this.state, { recursive: true, force: true });
    }

    private runcQuietly(args: string[]): void {
        try {
            execFileSync(this.runc, ["--root", join(this.state, "runc"), ...args], { stdio: "ignore" });
        } catch {
            // Already gone.
        }
    }
}
