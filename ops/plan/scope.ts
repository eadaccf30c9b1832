import type { PlatformConfig } from "../../config/schema";
import { isWriter } from "../../platform/tuning";
import type { Plan } from "./types";

/**
 * The part of the stack an ops change can alter, as the engine's update targets (URN globs: `*`
 * within one URN segment, `**` across segments). An update given these targets asks the provider
 * about the targeted resources only, and a change to services runs only their part of the
 * program: an ops change costs what it changes, not the size of the fleet.
 * test/unit/changeScope.test.ts runs the program on both configs of every scoped change and checks
 * that each resource whose declared inputs differ is targeted.
 */
export interface ChangeScope {
    /** What is targeted, for the operator: "service router", "every NetworkPolicy". */
    describe: string;
    targets: string[];
    /**
     * When the targets are these services' components and nothing else: the update's program
     * declares only them of the fleet (platform/program.ts servicesProgram), so its cost stays that
     * of the services it changes instead of growing with every server the platform runs.
     */
    services?: string[];
}

/**
 * The service fields ops commands edit that only the service's own McpService component reads
 * (`scale`, `resources`, `restart`). A field joins this list with a case in changeScope.test.ts.
 */
const SERVICE_OWN_FIELDS = new Set(["replicas", "minReplicas", "maxReplicas", "resources", "restartEpoch"]);

/** Any stack, any project: the targets are the same whichever stack the change runs on. */
const ANY_STACK = "urn:pulumi:*::*::";

/** A component and everything under it; its children are named after it (`router`, `router-config`, …). */
function componentTargets(type: string, name: string): string[] {
    return [`${ANY_STACK}**${type}::${name}`, `${ANY_STACK}**${type}$**::${name}`, `${ANY_STACK}**${type}$**::${name}-*`];
}

const SERVICE_TYPE = "mcp:service:McpService";
const NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

const serviceScope = (names: string[]): ChangeScope => ({
    describe: `service${names.length === 1 ? "" : "s"} ${names.join(", ")}`,
    targets: names.flatMap((name) => componentTargets(SERVICE_TYPE, name)),
    services: names,
});

/**
 * The scope of a change's edits, read from their config paths; undefined (the whole stack) when
 * any edit reaches beyond what is listed here. `config` is the config after the change.
 */
export function scopeOfEdits(edits: Plan["edits"], config: PlatformConfig): ChangeScope | undefined {
    const scopes = edits.map((edit) => scopeOfPath(edit.path.split("."), config));
    if (scopes.length === 0 || scopes.some((s) => s === undefined)) return undefined;
    return mergeScopes(scopes as ChangeScope[]);
}

function scopeOfPath(path: string[], config: PlatformConfig): ChangeScope | undefined {
    const [top, second, third] = path;
    if (top === "services" && second && config.services[second] && SERVICE_OWN_FIELDS.has(third)) return serviceScope([second]);
    // The gateway's ConfigMap carries the rate limit and the circuit breaker (platform/tuning.ts).
    if (top === "security" && (second === "rateLimit" || second === "circuitBreaker")) return serviceScope(["gateway"]);
    // Lockdown narrows every workload's NetworkPolicy and adds the namespace's deny-all.
    if (top === "security" && second === "lockdown" && path.length === 2) {
        return {
            describe: "every NetworkPolicy",
            targets: [`${ANY_STACK}${NETWORK_POLICY_TYPE}::*`, `${ANY_STACK}**$${NETWORK_POLICY_TYPE}::*`],
        };
    }
    // Maintenance scales the writers (services that call a store) to zero and back.
    if (top === "maintenance" && path.length === 1) {
        const writers = Object.keys(config.services).filter((name) => isWriter(config, name));
        return writers.length > 0 ? serviceScope(writers) : undefined;
    }
    return undefined;
}

function mergeScopes(scopes: ChangeScope[]): ChangeScope {
    const describe = [...new Set(scopes.map((s) => s.describe))].join("; ");
    const targets = [...new Set(scopes.flatMap((s) => s.targets))];
    if (scopes.some((s) => s.services === undefined)) return { describe, targets };
    return { describe, targets, services: [...new Set(scopes.flatMap((s) => s.services!))] };
}
