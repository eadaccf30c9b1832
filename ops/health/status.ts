/** Health verdicts, from the runbooks' dual REST/MCP monitoring; every health check reports one. */
export type Status = "HEALTHY" | "DEGRADED" | "UNHEALTHY";

const RANK: Record<Status, number> = { HEALTHY: 0, DEGRADED: 1, UNHEALTHY: 2 };

/** The worst status among the parts; HEALTHY when there are none. */
export function overallStatus(statuses: readonly Status[]): Status {
    return statuses.reduce<Status>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), "HEALTHY");
}
