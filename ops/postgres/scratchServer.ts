import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { freeLoopbackPort } from "../redis/scratchServer";
import type { PostgresTarget } from "./connect";
import { initCluster, launchServer, type LocalPostgres, serverDirectory } from "./localServer";

export interface ScratchPostgres extends LocalPostgres {
    password: string;
    /** How to reach one of its databases as its superuser. */
    target(database?: string): PostgresTarget;
}

/**
 * A fresh PostgreSQL server of its own on a free loopback port, with a random superuser password:
 * where a restore drill loads a dump. Its directory is removed on stop.
 */
export async function startScratchPostgres(o: { password?: string; settings?: Record<string, string> } = {}): Promise<ScratchPostgres> {
    const dir = serverDirectory("mcp-postgres-");
    const password = o.password ?? randomBytes(18).toString("base64url");
    try {
        const data = initCluster(dir, password);
        const server = await launchServer({ dir, data, port: await freeLoopbackPort(), settings: o.settings });
        return {
            ...server,
            password,
            target: (database = "postgres") => ({ host: "127.0.0.1", port: server.port, database, user: "postgres", password }),
        };
    } catch (error) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
    }
}
