import { execFileSync, spawn } from "node:child_process";
import { OperationFailedError, UnavailableError } from "../errors";
import { checkAccess, connectionParams, explainPostgresError, type PostgresTarget } from "./connect";

/**
 * libpq's environment for pg_dump and pg_restore: the same server, user and TLS trust as the
 * node-postgres connection, the password through PGPASSWORD (never an argument). The caller's own
 * PG* variables are dropped so they cannot point a tool somewhere else.
 */
function libpqEnvironment(t: PostgresTarget, database?: string): NodeJS.ProcessEnv {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PG")));
    const p = connectionParams(t);
    return {
        ...env,
        PGHOST: p.host,
        PGPORT: String(p.port ?? 5432),
        PGDATABASE: database ?? p.database ?? "postgres",
        PGUSER: p.user ?? "postgres",
        PGPASSWORD: t.password,
        PGCONNECT_TIMEOUT: String(Math.ceil((t.connectTimeoutMs ?? 5000) / 1000)),
        PGAPPNAME: "mcp-ops",
        // Like the node-postgres client: with a CA, TLS verified against it (host name included); without, no TLS.
        ...(t.tlsCaFile ? { PGSSLMODE: "verify-full", PGSSLROOTCERT: t.tlsCaFile } : { PGSSLMODE: "disable" }),
    };
}

/** Runs pg_dump or pg_restore against the target; a failure is explained from the tool's own first error line. */
export async function runClientTool(
    tool: "pg_dump" | "pg_restore",
    args: string[],
    target: PostgresTarget,
    o: { database?: string } = {},
): Promise<void> {
    const where = checkAccess(target);
    const child = spawn(tool, args, { env: libpqEnvironment(target, o.database), stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
    const code = await new Promise<number | null>((resolve, reject) => {
        child.on("error", (error: NodeJS.ErrnoException) =>
            reject(
                error.code === "ENOENT"
                    ? new UnavailableError(
                          `${tool} is not installed here; run bash scripts/ensure-system-packages.sh or apt-get install postgresql-client`,
                      )
                    : error,
            ),
        );
        child.on("close", resolve);
    });
    if (code === 0) return;
    const lines = stderr.trim().split("\n").filter(Boolean);
    // The first error is the cause; later ones ("a worker process died") follow from it.
    const first = lines.find((l) => /error|fatal/i.test(l)) ?? lines.at(-1) ?? `exit code ${code}`;
    const text = first.replace(/^\S+: (error: )?/, "");
    if (/password authentication failed/.test(text)) throw explainPostgresError({ code: "28P01" }, where);
    if (/Connection refused|could not translate host name|timeout expired/.test(text))
        throw explainPostgresError({ code: "ECONNREFUSED", message: text }, where);
    throw new OperationFailedError(`${tool} failed against PostgreSQL at ${where}: ${text}`);
}

/**
 * pg_restore's --dbname for a database name: a value with "=" or a URI prefix would be read as a
 * connection string (another host, say), so the name is always given quoted, as one.
 */
export const dbnameArgument = (database: string) => `--dbname=dbname='${database.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/** The major version of this machine's pg_dump or pg_restore, e.g. 15. */
export function clientToolMajor(tool: "pg_dump" | "pg_restore"): number {
    try {
        return Number(/(\d+)(\.\d+)*/.exec(execFileSync(tool, ["--version"], { encoding: "utf8" }))?.[1]);
    } catch {
        throw new UnavailableError(`${tool} is not installed here; run bash scripts/ensure-system-packages.sh`);
    }
}

/**
 * pg_dump refuses a newer server and pg_restore cannot read a newer server's dump: the tool must
 * be at least the server's major version. Says so, with the package to install, before anything starts.
 */
export function requireClientFor(
    tool: "pg_dump" | "pg_restore",
    serverMajor: number,
    clientMajor = clientToolMajor(tool),
    what = tool === "pg_dump" ? "the server runs" : "the dump comes from",
): void {
    if (serverMajor <= clientMajor) return;
    throw new UnavailableError(
        `${what} PostgreSQL ${serverMajor} and this machine's ${tool} is ${clientMajor}; ` +
            `install postgresql-client-${serverMajor} (from the PostgreSQL project's Debian repository if Debian has no such package)`,
    );
}
