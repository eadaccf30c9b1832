import Redis from "ioredis";
import { Client } from "pg";
import { type Instance, RollingClients } from "./rollingClients";

/** Each instance reconnects this often and sends a request this often: a busy pool. */
export const LOAD = { reconnectEveryMs: 150, requestEveryMs: 5 };

/** Redis clients as the platform's services hold them: a password fixed at start, reconnecting with it. */
export function redisLoad(port: number): RollingClients<string> {
    const instance = async (password: string): Promise<Instance> => {
        const connect = async () => {
            const client = new Redis({ port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
            // A refused AUTH arrives as an error event; connect() itself only reports the closed connection.
            let handshake: Error | undefined;
            client.on("error", (e: Error) => (handshake ??= e));
            await client.connect().catch((e: Error) => {
                throw handshake ?? e;
            });
            return client;
        };
        let client = await connect();
        let n = 0;
        return {
            async request() {
                await client.set(`load:${n % 100}`, String(n++));
            },
            async reconnect() {
                client.disconnect();
                client = await connect();
            },
            close: async () => void client.disconnect(),
        };
    };
    return new RollingClients(instance, (e) => /WRONGPASS|NOAUTH/.test(e.message), LOAD);
}

export interface PostgresLogin {
    user: string;
    password: string;
}

/** PostgreSQL clients as the platform's services hold them: a login fixed at start, each request an INSERT. */
export function postgresLoad(server: { host: string; port: number; database: string }): RollingClients<PostgresLogin> {
    const instance = async (login: PostgresLogin): Promise<Instance> => {
        const connect = async () => {
            const client = new Client({ ...server, ...login, connectionTimeoutMillis: 5000 });
            client.on("error", () => undefined);
            await client.connect();
            return client;
        };
        let client = await connect();
        await client.query("CREATE TABLE IF NOT EXISTS load_items (id serial primary key, login text)");
        return {
            async request() {
                await client.query("INSERT INTO load_items (login) VALUES ($1)", [login.user]);
            },
            async reconnect() {
                await client.end().catch(() => undefined);
                client = await connect();
            },
            close: () => client.end(),
        };
    };
    return new RollingClients(instance, (e) => /password authentication failed|not permitted to log in/.test(e.message), LOAD);
}
