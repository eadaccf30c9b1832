import type { PlatformConfig } from "../../config/schema";
import type { ChangeScope } from "./scope";

/** A stack's config as a command found it: read from the stack file once, validated once. */
export interface CurrentConfig {
    /** Raw `mcp:` values (keys without the namespace), as written in the stack file. */
    raw: Record<string, unknown>;
    config: PlatformConfig;
}

/** A planned change of stack config: which top-level `mcp:` keys change, and to what. */
export interface ConfigChange {
    /** Top-level key without the namespace, e.g. "services". */
    key: string;
    before: unknown;
    after: unknown;
}

export interface Plan {
    /** The operation, for the update message and the audit log: "scale", "restart", … */
    operation: string;
    /** One line saying what will happen. */
    summary: string;
    /** Dot paths that change, e.g. services.gateway.replicas: 2 -> 3. */
    edits: Array<{ path: string; from: unknown; to: unknown }>;
    /** New raw config (keys without namespace) to write; only `changes` differ from the current. */
    config: Record<string, unknown>;
    changes: ConfigChange[];
    /** Deployments that must roll out (and be verified) after the update. */
    rollouts: string[];
    /** Nothing would change: the update is skipped. */
    noop: boolean;
    /**
     * A controller may undo part of the update while it runs (an HPA being removed still scales its
     * Deployment until the update deletes it, at the end); a second update, refreshing first,
     * puts the declared state back.
     */
    settle?: string;
    /** The update refreshes first: what changed out of band is put back (drift --fix). */
    refresh?: boolean;
    /** The resources the update may touch; undefined: the whole stack (ops/plan/scope.ts). */
    scope?: ChangeScope;
}
