import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnavailableError } from "../errors";

/**
 * A PostgreSQL server run on this machine, on loopback: the scratch server of a restore drill,
 * and the tests' servers. Debian's server binaries (initdb, postgres, pg_ctl) live in
 * /usr/lib/postgresql/<major>/bin, off PATH; the newest installed major is used.
 */
export function serverBinDir(): string {
    const root = "/usr/lib/postgresql";
    const majors = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
    const found = majors.map((m) => join(root, m, "bin")).find((dir) => existsSync(join(dir, "initdb")));
    if (!found)
        throw new UnavailableError(
            "PostgreSQL's server is not installed here (needed for a scratch server); run bash scripts/ensure-system-packages.sh " +
                "or apt-get install postgresql",
        );
    return found;
}

/** The installed server's major version, e.g. 15. */
export const serverMajor = (): number => Number(/\/(\d+)\/bin$/.exec(serverBinDir())?.[1]);

/** PostgreSQL refuses to run as root: as root, the server's commands run as Debian's postgres user. */
export function asServerUser(command: string[]): [string, ...string[]] {
    return process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...command] : (command as [string, ...string[]]);
}

export function runAsServerUser(command: string[], env?: NodeJS.ProcessEnv): void {
    const [file, ...args] = asServerUser(command);
    execFileSync(file, args, { stdio: ["ignore", "ignore", "pipe"], env: env ?? process.env });
}

/** A private directory the server user may write: data directory, socket and log go in it. */
export function serverDirectory(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    chmodSync(dir, 0o700);
    if (process.getuid?.() === 0) execFileSync("chown", ["postgres", dir]);
    return dir;
}

/**
 * initdb with a superuser "postgres" that logs in with a SCRAM password (never trust, even on loopback).
 * --no-sync: these clusters live for one drill or test, and syncing made up two thirds of initdb's time.
 */
export function initCluster(dir: string, password: string): string {
    const data = join(dir, "data");
    const pwfile = join(dir, "pw");
    writeFileSync(pwfile, password, { mode: 0o600 });
    if (process.getuid?.() === 0) execFileSync("chown", ["postgres", pwfile]);
    try {
        runAsServerUser([
            join(serverBinDir(), "initdb"),
            ...[
                "-D",
                data,
                "-U",
                "postgres",
                "--auth=scram-sha-256",
                `--pwfile=${pwfile}`,
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        ]);
    } finally {
        rmSync(pwfile, { force: true });
    }
    return data;
}

export interface LocalPostgres {
    port: number;
    dir: string;
    stop(): Promise<void>;
}

/** Starts `postgres` on a loopback port with the given settings and waits until it accepts connections. */
export async function launchServer(o: {
    dir: string;
    data: string;
    port: number;
    settings?: Record<string, string>;
    startTimeoutMs?: number;
}): Promise<LocalPostgres> {
    const bin = serverBinDir();
    const settings = { listen_addresses: "127.0.0.1", unix_socket_directories: o.dir, ...o.settings };
    const [command, ...args] = asServerUser([
        join(bin, "postgres"),
        ...["-D", o.data, "-p", String(o.port)],
        ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
    ]);
    const server: ChildProcess = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    server.stderr?.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    const stop = async () => {
        if (server.exitCode === null && server.signalCode === null) {
            const exited = new Promise((resolve) => server.once("exit", resolve));
            // A fast shutdown ends the sessions without waiting for clients; pg_ctl waits until it is done.
            try {
                runAsServerUser([join(bin, "pg_ctl"), "-D", o.data, "-m", "fast", "-w", "stop"]);
            } catch {
                server.kill("SIGINT");
            }
            await exited;
        }
        rmSync(o.dir, { recursive: true, force: true });
    };
    const deadline = Date.now() + (o.startTimeoutMs ?? 60_000);
    for (;;) {
        try {
            execFileSync(join(bin, "pg_isready"), ["-q", "-h", "127.0.0.1", "-p", String(o.port)], { stdio: "ignore" });
            return { port: o.port, dir: o.dir, stop };
        } catch {
            if (server.exitCode !== null || Date.now() > deadline) {
                await stop();
                const last = log.trim().split("\n").slice(-3).join(" | ");
                throw new UnavailableError(`a local PostgreSQL server on port ${o.port} did not start: ${last || "no output"}`);
            }
            await new Promise((r) => setTimeout(r, 100));
        }
    }
}
