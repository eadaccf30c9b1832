import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "pg";
import { initCluster, launchServer, runAsServerUser, serverBinDir, serverDirectory } from "../../ops/postgres/localServer";
import { freePort } from "./ports";
import { issueCertificate } from "./tls";

export interface PostgresServer {
    port: number;
    /** postgres://postgres:<password>@127.0.0.1:<port>/postgres */
    url: string;
    password: string;
    /** With `tls`: the private CA that signed the server's certificate, which a client must trust. */
    caFile?: string;
    stop(): Promise<void>;
}

const fastSettings = { fsync: "off", synchronous_commit: "off", full_page_writes: "off" };

/**
 * A real PostgreSQL server of its own, on a free loopback port, with password (SCRAM) auth and
 * pg_stat_statements preloaded unless told otherwise; with `tls`, it accepts TLS connections only.
 * Its directory is removed on stop.
 */
export async function startPostgresServer(o: { password?: string; statements?: boolean; tls?: boolean } = {}): Promise<PostgresServer> {
    const dir = serverDirectory("mcp-postgres-test-");
    const password = o.password ?? "postgres-test-password";
    const data = initCluster(dir, password);
    const settings: Record<string, string> = { ...fastSettings, wal_level: "replica", max_wal_senders: "4" };
    if (o.statements !== false) settings.shared_preload_libraries = "pg_stat_statements";
    let caFile: string | undefined;
    if (o.tls) {
        const issued = issueCertificate(dir);
        ownedByServer(issued.certFile);
        ownedByServer(issued.keyFile);
        caFile = issued.caFile;
        Object.assign(settings, { ssl: "on", ssl_cert_file: issued.certFile, ssl_key_file: issued.keyFile });
        writeFileSync(join(data, "pg_hba.conf"), "hostssl all all 127.0.0.1/32 scram-sha-256\n");
        ownedByServer(join(data, "pg_hba.conf"));
    }
    const server = await launchServer({ dir, data, port: await freePort(), settings });
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${server.port}/postgres`;
    return { port: server.port, url, password, caFile, stop: server.stop };
}

/** A hot standby streaming from `primary` (pg_basebackup -R): a read-only replica. */
export async function startReplica(primary: PostgresServer): Promise<PostgresServer> {
    const dir = serverDirectory("mcp-postgres-replica-");
    const data = join(dir, "data");
    runAsServerUser(
        [join(serverBinDir(), "pg_basebackup"), "-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", data, "-R"],
        { ...process.env, PGPASSWORD: primary.password },
    );
    const server = await launchServer({ dir, data, port: await freePort(), settings: { ...fastSettings, hot_standby: "on" } });
    const url = `postgres://postgres:${encodeURIComponent(primary.password)}@127.0.0.1:${server.port}/postgres`;
    return { port: server.port, url, password: primary.password, stop: server.stop };
}

function ownedByServer(file: string): void {
    if (process.getuid?.() === 0) execFileSync("chown", ["postgres", file]);
}

/** A sessions table of `rows` rows (id, user, token, time, score), about 130 bytes on disk each: the large table of backup tests. */
export async function createSessionsTable(client: Client, rows: number): Promise<void> {
    await client.query(
        "create table sessions (id bigserial primary key, user_id int not null, token text, created_at timestamptz, score float8)",
    );
    await client.query(
        `insert into sessions (user_id, token, created_at, score)
         select g % 5000, md5(g::text), timestamptz '2026-01-01' + g * interval '1 second', g / 7.0 from generate_series(1, ${rows}) g`,
    );
    await client.query("create index sessions_user on sessions (user_id)");
}
