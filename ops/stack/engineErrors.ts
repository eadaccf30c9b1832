import { ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import { UnavailableError } from "../errors";
import { describeLock, engineLockHolders, LockConflictError } from "./locks";

export interface EngineContext {
    stack: string;
    backend?: string;
    /** The kubeconfig the engine was given, if any. */
    kubeconfig?: string;
}

/**
 * What the engine said went wrong: its "Diagnostics:" section (the resource, then its error and
 * detail lines) without the stack's own "update failed" summary; lines starting "error:"
 * elsewhere when there is no such section.
 */
export function engineErrorLines(text: string, max = 12): string[] {
    const all = text.split("\n");
    const start = all.findIndex((line) => line.trim() === "Diagnostics:");
    const lines: string[] = [];
    if (start >= 0) {
        let inStack = false;
        for (const raw of all.slice(start + 1)) {
            if (/^\S/.test(raw)) break; // "Resources:", "Outputs:", "Duration:" end the section
            const line = raw.trim();
            if (!line) continue;
            if (/^pulumi:pulumi:Stack \(/.test(line)) {
                inStack = true;
                continue;
            }
            if (/^[\w.-]+:[\w./-]+:\w+ \(/.test(line)) inStack = false;
            if (inStack && /^error: (update|preview|refresh|destroy) failed$/.test(line)) continue;
            lines.push(line.replace(/^error: /, "").replace(/^\* /, ""));
        }
    } else {
        for (const raw of all) if (/^\s*error: /.test(raw)) lines.push(raw.trim().replace(/^error: /, ""));
    }
    return [...new Set(lines.filter((line) => !/^\d+ errors? occurred:?$/.test(line)))].slice(0, max);
}

/**
 * Turns a failed engine run (preview, update, refresh) into one clear error that says what to do:
 * a held lock, an unreachable cluster and a missing provider plugin each get their own answer;
 * anything else becomes a plain Error with the engine's error lines, never the whole output.
 */
export function engineError(error: unknown, ctx: EngineContext): Error {
    if (error instanceof ConcurrentUpdateError) {
        const holders = engineLockHolders(error.message);
        return new LockConflictError(ctx.stack, holders[0] && describeLock(holders[0]), holders);
    }
    const text = error instanceof Error ? error.message : String(error);
    if (
        /configured Kubernetes cluster is unreachable|unable to load kubernetes client configuration|failed to read kubeconfig/i.test(text)
    ) {
        const where = ctx.kubeconfig ? `kubeconfig ${ctx.kubeconfig}` : "no kubeconfig: KUBECONFIG is not set";
        const fix =
            ctx.stack === "local"
                ? "start the local cluster with: npm run local:up"
                : "point KUBECONFIG (or the stack's kubernetes:kubeconfig / kubernetes:context) at the cluster";
        return new UnavailableError(`the Kubernetes cluster of stack ${ctx.stack} is unreachable (${where}); ${fix}`);
    }
    const plugin = /no resource plugin '?pulumi-resource-([\w-]+)'? found|could not find plugin.*?resource[ -]([\w-]+)/i.exec(text);
    if (plugin) {
        const name = plugin[1] ?? plugin[2];
        return new UnavailableError(
            `the ${name} provider plugin is not installed; install it with: pulumi plugin install resource ${name} <version> (npm run ` +
                `local:up installs the pinned ones)`,
        );
    }
    // Not an OpsError: callers add what the failure means for them (see runChange).
    const lines = engineErrorLines(text);
    return new Error(lines.length > 0 ? lines.join("\n") : text.split("\n").slice(0, 12).join("\n"));
}
