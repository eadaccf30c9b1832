import { withPostgres, type PostgresTarget } from "../postgres/connect";
import type { Status } from "./status";

export interface PostgresHealth {
    status: Status;
    latencyMs: number;
    /** A standby replays the primary's WAL and refuses writes. */
    inRecovery?: boolean;
    connections?: number;
    maxConnections?: number;
    reasons: string[];
}

/** Connections above this share of max_connections degrade: new clients are about to be refused. */
const CONNECTIONS_NEAR_LIMIT = 0.9;

/**
 * What `pg_isready` answers (the server accepts connections: a login succeeds) plus a query through
 * it: UNHEALTHY when either fails, DEGRADED when connections are near max_connections. Bounded by
 * the check's timeout, the query included.
 */
export async function checkPostgresHealth(target: PostgresTarget, timeoutMs: number): Promise<PostgresHealth> {
    const start = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e6;
    if (target.password === undefined) {
        const why = "no password to log in with: the environment has none and its Secret could not be read; --no-postgres skips this check";
        return { status: "UNHEALTHY", latencyMs: 0, reasons: [why] };
    }
    try {
        const row = await withPostgres({ ...target, connectTimeoutMs: timeoutMs }, async (client) => {
            // pg reads query_timeout per query too, though its types list it for the client only.
            const result = await client.query({
                text:
                    "SELECT pg_is_in_recovery() AS in_recovery, current_setting('max_connections')::int AS max_connections, " +
                    "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS connections",
                query_timeout: Math.max(1, timeoutMs - elapsed()),
            } as { text: string });
            return result.rows[0] as { in_recovery: boolean; max_connections: number; connections: number };
        });
        const reasons: string[] = [];
        if (row.connections > CONNECTIONS_NEAR_LIMIT * row.max_connections) {
            reasons.push(`${row.connections} of max_connections ${row.max_connections} in use`);
        }
        return {
            status: reasons.length > 0 ? "DEGRADED" : "HEALTHY",
            latencyMs: elapsed(),
            inRecovery: row.in_recovery,
            connections: row.connections,
            maxConnections: row.max_connections,
            reasons,
        };
    } catch (error) {
        return { status: "UNHEALTHY", latencyMs: elapsed(), reasons: [(error as Error).message.split("\n")[0]] };
    }
}
