import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports";

export interface PostgresServer {
    port: number;
    /** postgres://postgres:<password>@127.0.0.1:<port>/postgres */
    url: string;
    password: string;
    stop(): Promise<void>;
}

/** Debian's server binaries (initdb, postgres) live in /usr/lib/postgresql/<major>/bin, off PATH. */
function serverBinDir(): string {
    const root = "/usr/lib/postgresql";
    const majors = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
    const found = majors.map((m) => join(root, m, "bin")).find((dir) => existsSync(join(dir, "initdb")));
    if (!found) throw new Error("PostgreSQL's server is not installed; run bash scripts/ensure-system-packages.sh");
    return found;
}

/** PostgreSQL refuses to run as root: as root, the server runs as Debian's postgres user. */
const asServerUser = (command: string[]): string[] =>
    process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...command] : command;

/**
 * A real PostgreSQL server of its own, on a free loopback port, with password (SCRAM) auth and
 * pg_stat_statements preloaded unless told otherwise; its data directory is removed on stop.
 */
export async function startPostgresServer(o: { password?: string; statements?: boolean } = {}): Promise<PostgresServer> {
    const bin = serverBinDir();
    const dir = mkdtempSync(join(tmpdir(), "mcp-postgres-"));
    const password = o.password ?? "postgres-test-password";
    writeFileSync(join(dir, "pw"), password);
    chmodSync(dir, 0o777);
    if (process.getuid?.() === 0) execFileSync("chown", ["-R", "postgres", dir]);
    const [initdb, ...initArgs] = asServerUser([
        join(bin, "initdb"),
        ...["-D", join(dir, "data"), "-U", "postgres", "--auth=scram-sha-256", `--pwfile=${join(dir, "pw")}`],
    ]);
    execFileSync(initdb, initArgs, { stdio: "ignore" });
    const port = await freePort();
    const settings = ["-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"];
    if (o.statements !== false) settings.push("-c", "shared_preload_libraries=pg_stat_statements");
    const [command, ...args] = asServerUser([join(bin, "postgres"), "-D", join(dir, "data"), ...settings]);
    const server: ChildProcess = spawn(command, args, { stdio: "ignore" });
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
    const deadline = Date.now() + 30_000;
    for (;;) {
        try {
            execFileSync(join(bin, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
            break;
        } catch {
            if (Date.now() > deadline) throw new Error(`PostgreSQL on port ${port} did not start in 30s`);
            await new Promise((r) => setTimeout(r, 100));
        }
    }
    return {
        port,
        url,
        password,
        async stop() {
            // A fast shutdown ends the sessions without waiting for clients; pg_ctl waits until it is done.
            const exited = server.exitCode !== null ? Promise.resolve() : new Promise((resolve) => server.once("exit", resolve));
            const [ctl, ...ctlArgs] = asServerUser([join(bin, "pg_ctl"), "-D", join(dir, "data"), "-m", "fast", "-w", "stop"]);
            execFileSync(ctl, ctlArgs, { stdio: "ignore" });
            await exited;
            rmSync(dir, { recursive: true, force: true });
        },
    };
}
