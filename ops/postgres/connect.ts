import { readFileSync } from "node:fs";
import { Client } from "pg";
import { InvalidInputError, UnavailableError } from "../errors";

/** Where PostgreSQL is and how to log in; the password comes from the environment or a Secret, never a flag. */
export interface PostgresTarget {
    /** postgres:// URL without a password (a password in it is refused), or host/port/database/user. */
    url?: string;
    host?: string;
    port?: number;
    database?: string;
    user?: string;
    password?: string;
    /** CA certificate (PEM) to trust; implies TLS. */
    tlsCaFile?: string;
    connectTimeoutMs?: number;
    /**
     * Keep trying this long while the server is unreachable (refused, unknown name, timed out): a
     * server may be restarting, and a pod just started may wait seconds for its network policies.
     */
    reachWithinMs?: number;
}

export function describePostgres(t: PostgresTarget): string {
    if (t.url) {
        const u = new URL(t.url);
        return `${u.hostname}:${u.port || 5432}${u.pathname}`;
    }
    return `${t.host}:${t.port ?? 5432}/${t.database ?? "postgres"}`;
}

/**
 * Host, port, database and user. The URL is taken apart here: pg lets a connection string override
 * every other setting, the password included, and pg_dump gets the same values through libpq's environment.
 */
export function connectionParams(t: PostgresTarget): { host?: string; port?: number; database?: string; user?: string } {
    if (!t.url) return { host: t.host, port: t.port, database: t.database, user: t.user };
    const u = new URL(t.url);
    return {
        host: u.hostname,
        port: Number(u.port || 5432),
        database: decodeURIComponent(u.pathname.slice(1)) || "postgres",
        user: decodeURIComponent(u.username) || "postgres",
    };
}

/** Refuses a password in the URL and a missing password, before anything connects; returns where the server is. */
export function checkAccess(t: PostgresTarget): string {
    if (t.url && new URL(t.url).password) {
        throw new InvalidInputError(
            "the --url carries a password; pass it through the environment (--password-env) or --password-secret instead",
        );
    }
    const where = describePostgres(t);
    if (t.password === undefined) {
        throw new InvalidInputError(
            `no password for PostgreSQL at ${where}: set it in the environment (--password-env, default PGPASSWORD) or use ` +
                `--password-secret`,
        );
    }
    return where;
}

/** Connects, or explains in one line what went wrong and what to do (never with the password in it). */
export async function connectPostgres(t: PostgresTarget): Promise<Client> {
    const where = checkAccess(t);
    const deadline = Date.now() + (t.reachWithinMs ?? 0);
    for (;;) {
        try {
            return await connectOnce(t);
        } catch (error) {
            if (!unreachable(error) || Date.now() >= deadline) throw explainPostgresError(error, where);
            await new Promise((r) => setTimeout(r, 1000));
        }
    }
}

function unreachable(error: unknown): boolean {
    const e = error as { code?: string; message?: string };
    return (
        ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ETIMEDOUT"].includes(e.code ?? "") || /timeout/i.test(e.message ?? "")
    );
}

async function connectOnce(t: PostgresTarget): Promise<Client> {
    const client = new Client({
        ...connectionParams(t),
        password: t.password,
        connectionTimeoutMillis: t.connectTimeoutMs ?? 5000,
        ssl: t.tlsCaFile ? { ca: readFileSync(t.tlsCaFile, "utf8") } : undefined,
        application_name: "mcp-ops",
    });
    client.on("error", () => undefined);
    try {
        await client.connect();
        return client;
    } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
    }
}

export function explainPostgresError(error: unknown, where: string): Error {
    const e = error as { code?: string; message?: string };
    const text = (e.message ?? String(error)).split("\n")[0];
    if (e.code === "28P01")
        return new UnavailableError(`PostgreSQL at ${where} rejected the password; use the current value of the postgres-password secret`);
    if (e.code === "28000" && /no encryption/.test(text))
        return new UnavailableError(`PostgreSQL at ${where} accepts TLS connections only; trust its CA with --tls-ca <file>`);
    if (/self[- ]signed|unable to verify|certificate/i.test(text))
        return new UnavailableError(`TLS with PostgreSQL at ${where} failed (${text}); trust its CA with --tls-ca <file>`);
    if (e.code === "28000") return new UnavailableError(`PostgreSQL at ${where} refused the login: ${text}`);
    if (e.code === "3D000") return new InvalidInputError(`PostgreSQL at ${where} has no such database: ${text}`);
    if (e.code === "ECONNREFUSED" || e.code === "ENOTFOUND" || /timeout/i.test(text)) {
        return new UnavailableError(
            `PostgreSQL at ${where} is unreachable (${text}); for an in-cluster server use kubectl -n <namespace> port-forward ` +
                `svc/postgres 5432:5432, then --url postgres://<user>@127.0.0.1:5432/<database>`,
        );
    }
    return new UnavailableError(`PostgreSQL at ${where}: ${text}`);
}

/** Runs `work` on a connection that is always closed afterwards. */
export async function withPostgres<T>(target: PostgresTarget, work: (client: Client) => Promise<T>): Promise<T> {
    const client = await connectPostgres(target);
    try {
        return await work(client);
    } finally {
        await client.end().catch(() => undefined);
    }
}
