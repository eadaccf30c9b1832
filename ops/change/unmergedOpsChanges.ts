import { decodeStackConfig } from "../../config/load";
import type { HistoryEntry } from "../stack/history";
import { parseAuditMessage } from "./audit";
import { opsBranch } from "./git";

/**
 * A value an ops change set on the live stack that the commit being deployed does not have: the
 * deploy would put the commit's value back (mid-incident, say) without anyone deciding so.
 */
export interface UnmergedOpsSetting {
    /** Dot path in the `mcp:` config, e.g. services.router.replicas. */
    path: string;
    /** The live value, as the ops change set it. */
    live: unknown;
    /** The commit's value; undefined when the commit does not set the key. */
    commit: unknown;
    update: { version: number; operation: string; actor: string; reason: string; startTime: string };
    /** The branch the ops change was committed on, to merge. */
    branch: string;
}

/**
 * Compares the config of the commit being deployed with the live stack's, as the stack history
 * recorded them (every update records the config it applied; secret values are left out, here as
 * there). For each value that differs, the history says who set the live one: the newest run of
 * updates with that value began with an update, and when that update was an mcp-ops change and no
 * deploy has applied the value since, the difference is reported. A value a deploy applied is in
 * git, so a commit that differs from it changes it knowingly.
 */
export function unmergedOpsSettings(stack: string, commitRaw: Record<string, unknown>, history: HistoryEntry[]): UnmergedOpsSetting[] {
    const updates = history
        .filter((h) => h.result === "succeeded" && h.config !== undefined && (h.kind ?? "update") === "update")
        .sort((a, b) => b.version - a.version);
    if (updates.length === 0) return [];
    const configs = updates.map((u) => flatten(recordedConfig(u.config!)));
    const live = configs[0];
    const commit = flatten(commitRaw);
    const found: UnmergedOpsSetting[] = [];
    for (const path of [...new Set([...Object.keys(live), ...Object.keys(commit)])].sort()) {
        if (same(live[path], commit[path])) continue;
        let setter = 0;
        while (setter + 1 < configs.length && same(configs[setter][path], configs[setter + 1][path])) setter++;
        // A deploy since then applied the live value too: it is in git, and the commit changes it knowingly.
        if (updates.slice(0, setter).some((u) => !parseAuditMessage(u.message))) continue;
        const update = updates[setter];
        const tag = parseAuditMessage(update.message);
        if (!tag) continue;
        found.push({
            path,
            live: live[path],
            commit: commit[path],
            update: {
                version: update.version,
                operation: tag.operation,
                actor: tag.actor,
                reason: tag.reason,
                startTime: update.startTime,
            },
            branch: opsBranch(stack, update.version, tag.operation),
        });
    }
    return found;
}

/** The `mcp:` config an update recorded, its secret values left out. */
export function recordedConfig(config: NonNullable<HistoryEntry["config"]>): Record<string, unknown> {
    const plain: Record<string, string> = {};
    for (const [key, { value, secret }] of Object.entries(config)) if (!secret) plain[key] = value;
    return decodeStackConfig(plain);
}

/** Leaf values by dot path; a list or an empty map is one leaf. */
export function flatten(value: unknown, prefix = "", into: Record<string, unknown> = {}): Record<string, unknown> {
    if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
        for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, into);
    } else if (prefix) {
        into[prefix] = value;
    }
    return into;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const show = (value: unknown) => (value === undefined ? "(not set)" : JSON.stringify(value));

/** What the check prints: each value with both sides, the update that set it, and the way out. */
export function describeUnmerged(stack: string, found: UnmergedOpsSetting[]): string {
    if (found.length === 0) return `deploy-check: the commit keeps every value mcp-ops changes set on stack ${stack}`;
    const byUpdate = new Map<number, UnmergedOpsSetting[]>();
    for (const f of found) byUpdate.set(f.update.version, [...(byUpdate.get(f.update.version) ?? []), f]);
    const lines = [`deploy-check: this commit would undo ${found.length} value(s) that mcp-ops changes set on stack ${stack}:`];
    for (const [version, settings] of [...byUpdate].sort((a, b) => b[0] - a[0])) {
        const u = settings[0].update;
        lines.push(`  update ${version} (mcp-ops ${u.operation} by ${u.actor} at ${u.startTime}, reason: ${u.reason}):`);
        for (const s of settings) lines.push(`    ${s.path}: live ${show(s.live)}, this commit ${show(s.commit)}`);
        lines.push(`    merge branch ${settings[0].branch} (or put these values in the commit)`);
    }
    lines.push("to deploy this commit anyway, rerun with --override '<why>' (recorded in the deploy's output)");
    return lines.join("\n");
}

/** The same, for the pull request's review comment. */
export function unmergedMarkdown(stack: string, found: UnmergedOpsSetting[]): string {
    if (found.length === 0) return "";
    return [
        `### ⚠️ Live ops changes on ${stack} that this pull request does not have`,
        "",
        "Deploying it would put these values back; `deploy.yml` stops until they are merged or overridden.",
        "",
        "| value | live | this PR | set by | branch to merge |",
        "|---|---|---|---|---|",
        ...found.map(
            (f) =>
                `| \`${f.path}\` | \`${show(f.live)}\` | \`${show(f.commit)}\` | update ${f.update.version}: ` +
                `mcp-ops ${f.update.operation} by ${f.update.actor} (${f.update.reason}) | \`${f.branch}\` |`,
        ),
        "",
    ].join("\n");
}
