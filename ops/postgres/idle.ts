import type { Client } from "pg";

export interface IdleSession {
    pid: number;
    user: string;
    database: string;
    application: string;
    idleSeconds: number;
    superuser: boolean;
}

export interface KillIdleResult {
    preview: boolean;
    olderThanSeconds: number;
    /** The sessions idle in a transaction for longer than the age (terminated unless previewing). */
    sessions: IdleSession[];
    terminated: number[];
}

/**
 * The high-error-rate runbook's step for connections held open by forgotten transactions: sessions
 * idle in a transaction longer than the age are terminated. Never this command's own session, and
 * never a superuser's unless asked (an administrator's open transaction may be deliberate).
 */
export async function killIdleInTransaction(
    client: Client,
    o: { olderThanSeconds: number; includeSuperusers?: boolean; preview: boolean },
): Promise<KillIdleResult> {
    const found = await client.query(
        `select a.pid, a.usename as user, a.datname as database, coalesce(a.application_name, '') as application,
                extract(epoch from now() - a.state_change) as idle, coalesce(r.rolsuper, false) as superuser
           from pg_stat_activity a left join pg_roles r on r.oid = a.usesysid
          where a.state in ('idle in transaction', 'idle in transaction (aborted)')
            and a.pid <> pg_backend_pid()
            and now() - a.state_change > make_interval(secs => $1)
            and ($2 or not coalesce(r.rolsuper, false))
          order by 5 desc`,
        [o.olderThanSeconds, Boolean(o.includeSuperusers)],
    );
    const sessions: IdleSession[] = found.rows.map((r) => ({
        pid: Number(r.pid),
        user: r.user,
        database: r.database,
        application: r.application,
        idleSeconds: Math.round(Number(r.idle)),
        superuser: r.superuser,
    }));
    const terminated: number[] = [];
    if (!o.preview) {
        for (const s of sessions) {
            const { rows } = await client.query("select pg_terminate_backend($1) as done", [s.pid]);
            if (rows[0].done) terminated.push(s.pid);
        }
    }
    return { preview: o.preview, olderThanSeconds: o.olderThanSeconds, sessions, terminated };
}

/** "500ms", "90s", "5m", "2h" → seconds. */
export function parseAge(text: string): number | undefined {
    const m = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
    if (!m) return undefined;
    return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as "ms" | "s" | "m" | "h"];
}
