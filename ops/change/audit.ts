/**
 * The audit trail is the stack history: every ops update carries its operation, reason and
 * actor in the update message, in a form both people and `mcp-ops history` read.
 */
export interface AuditTag {
    operation: string;
    reason: string;
    actor: string;
}

const PREFIX = "mcp-ops";

export function auditMessage(tag: AuditTag, summary: string): string {
    return `${PREFIX} ${tag.operation}: ${summary} | reason: ${tag.reason} | actor: ${tag.actor}`;
}

/** Reads the tag back from an update message; undefined for updates not made by mcp-ops. */
export function parseAuditMessage(message: string | undefined): (AuditTag & { summary: string }) | undefined {
    const m = /^mcp-ops ([a-z-]+): (.*) \| reason: (.*) \| actor: (.*)$/.exec(message ?? "");
    return m ? { operation: m[1], summary: m[2], reason: m[3], actor: m[4] } : undefined;
}

/** Who runs the command: $MCP_OPS_ACTOR, else the CI actor, else the OS user. */
export function currentActor(
    env: NodeJS.ProcessEnv = process.env,
    user = (() => {
        try {
            return require("node:os").userInfo().username as string;
        } catch {
            return "unknown";
        }
    })(),
): string {
    return env.MCP_OPS_ACTOR ?? env.GITHUB_ACTOR ?? env.USER ?? user;
}
