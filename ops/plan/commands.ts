import { parsePlatformConfig } from "../../config/load";
import { cpuCores, memoryBytes } from "../../config/quantities";
import type { PlatformConfig } from "../../config/schema";
import { isWriter } from "../../platform/tuning";
import { InvalidInputError } from "../errors";
import { planEdits } from "./edit";
import type { Plan } from "./types";

/**
 * Planners for the commands that change desired state. Each validates its input against the
 * current config (clear message, nothing touched) and returns the config edit as a Plan.
 */

function currentConfig(raw: Record<string, unknown>): PlatformConfig {
    return parsePlatformConfig(raw);
}

function requireService(config: PlatformConfig, name: string): void {
    if (!config.services[name]) {
        throw new InvalidInputError(`unknown service "${name}"; this stack has: ${Object.keys(config.services).join(", ")}`);
    }
}

function wholeNumber(label: string, value: number, min: number): void {
    if (!Number.isInteger(value) || value < min) throw new InvalidInputError(`${label} must be a whole number >= ${min}, got ${value}`);
}

const allServices = (config: PlatformConfig) => Object.keys(config.services);

/**
 * `scale <service> <replicas>`: a fixed count, for services without an HPA. With `fixed`, an
 * autoscaled service gets its replicas back from the HPA, which is removed.
 */
export function planScaleReplicas(raw: Record<string, unknown>, service: string, replicas: number, o: { fixed?: boolean } = {}): Plan {
    const config = currentConfig(raw);
    requireService(config, service);
    wholeNumber("replicas", replicas, 0);
    const s = config.services[service];
    const autoscaled = s.minReplicas !== undefined;
    if (autoscaled && !o.fixed) {
        throw new InvalidInputError(
            `${service} is autoscaled (HPA ${s.minReplicas}-${s.maxReplicas}), so its replicas belong to the HPA; use --min/--max, or pass --fixed to remove the HPA and run exactly ${replicas}`,
        );
    }
    if (replicas > config.guardrails.maxReplicas) {
        throw new InvalidInputError(`replicas ${replicas} exceeds guardrails.maxReplicas (${config.guardrails.maxReplicas}); ask for a guardrail change if the platform really needs it`);
    }
    const edits = [{ path: `services.${service}.replicas`, to: replicas as unknown }];
    if (autoscaled) edits.push({ path: `services.${service}.minReplicas`, to: undefined }, { path: `services.${service}.maxReplicas`, to: undefined });
    const plan = planEdits("scale", `scale ${service} to ${replicas} replicas${autoscaled ? " (the HPA is removed)" : ""}`, raw, edits, () => [service]);
    return autoscaled ? { ...plan, settle: `the ${service} HPA scales its Deployment until the update removes it` } : plan;
}

/** `scale <service> --min N --max M`: HPA bounds; a fixed-count service becomes autoscaled. */
export function planScaleBounds(raw: Record<string, unknown>, service: string, min: number, max: number): Plan {
    const config = currentConfig(raw);
    requireService(config, service);
    wholeNumber("--min", min, 1);
    wholeNumber("--max", max, 1);
    if (min > max) throw new InvalidInputError(`--min ${min} is greater than --max ${max}; the HPA needs min <= max`);
    if (max > config.guardrails.maxReplicas) {
        throw new InvalidInputError(`--max ${max} exceeds guardrails.maxReplicas (${config.guardrails.maxReplicas}); ask for a guardrail change if the platform really needs it`);
    }
    return planEdits(
        "scale",
        `autoscale ${service} between ${min} and ${max} replicas`,
        raw,
        [
            { path: `services.${service}.replicas`, to: undefined },
            { path: `services.${service}.minReplicas`, to: min },
            { path: `services.${service}.maxReplicas`, to: max },
        ],
        () => [service],
    );
}

/** `resources <service> --cpu C --memory M`: limits, optionally requests. */
export function planResources(raw: Record<string, unknown>, service: string, limits: { cpu?: string; memory?: string }, requests: { cpu?: string; memory?: string } = {}): Plan {
    const config = currentConfig(raw);
    requireService(config, service);
    if (!limits.cpu && !limits.memory && !requests.cpu && !requests.memory) {
        throw new InvalidInputError("give at least one of --cpu, --memory, --request-cpu, --request-memory");
    }
    for (const [flag, value] of [["--cpu", limits.cpu], ["--request-cpu", requests.cpu]] as const) {
        if (value !== undefined && cpuCores(value) === undefined) throw new InvalidInputError(`${flag} "${value}" is not a CPU quantity; use e.g. 500m or 2`);
    }
    for (const [flag, value] of [["--memory", limits.memory], ["--request-memory", requests.memory]] as const) {
        if (value !== undefined && memoryBytes(value) === undefined) throw new InvalidInputError(`${flag} "${value}" is not a memory quantity; use e.g. 512Mi or 2Gi`);
    }
    const current = config.services[service].resources;
    const edits = [
        { path: `services.${service}.resources`, to: {
            requests: { cpu: requests.cpu ?? current.requests.cpu, memory: requests.memory ?? current.requests.memory },
            limits: { cpu: limits.cpu ?? current.limits.cpu, memory: limits.memory ?? current.limits.memory },
        } },
    ];
    const what = [limits.cpu && `cpu ${limits.cpu}`, limits.memory && `memory ${limits.memory}`, requests.cpu && `cpu request ${requests.cpu}`, requests.memory && `memory request ${requests.memory}`].filter(Boolean).join(", ");
    return planEdits("resources", `set ${service} ${what}`, raw, edits, () => [service]);
}

/** `restart <service|--all>`: bump restart epochs; the pods roll, nothing else changes. */
export function planRestart(raw: Record<string, unknown>, services: string[] | "all"): Plan {
    const config = currentConfig(raw);
    const names = services === "all" ? allServices(config) : services;
    if (names.length === 0) throw new InvalidInputError("name a service to restart, or pass --all");
    names.forEach((n) => requireService(config, n));
    return planEdits(
        "restart",
        `restart ${services === "all" ? "all services" : names.join(", ")}`,
        raw,
        names.map((n) => ({ path: `services.${n}.restartEpoch`, to: config.services[n].restartEpoch + 1 })),
        () => names,
    );
}

/** Which services read a secret (directly or through a store they call). */
export function consumersOf(config: PlatformConfig, secret: string): string[] {
    return allServices(config).filter((name) => {
        const s = config.services[name];
        if (Object.values(s.secretEnv).includes(secret)) return true;
        if (secret === "redis-password" && s.calls.includes("redis")) return true;
        return secret === "postgres-password" && s.calls.includes("postgres");
    });
}

/** `rotate <secret|--all>`: bump rotation epochs; consumers roll. */
export function planRotate(raw: Record<string, unknown>, secrets: string[] | "all"): Plan {
    const config = currentConfig(raw);
    const names = secrets === "all" ? Object.keys(config.secrets) : secrets;
    if (names.length === 0) throw new InvalidInputError("name a secret to rotate, or pass --all");
    for (const name of names) {
        if (!config.secrets[name]) throw new InvalidInputError(`unknown secret "${name}"; this stack has: ${Object.keys(config.secrets).join(", ")}`);
    }
    const edits = names.map((n) => ({ path: `secrets.${n}`, to: { ...(raw.secrets as Record<string, object> | undefined)?.[n], rotationEpoch: config.secrets[n].rotationEpoch + 1 } }));
    const consumers = [...new Set(names.flatMap((n) => consumersOf(config, n)))].sort();
    return planEdits("rotate", `rotate ${names.join(", ")}; consumers roll: ${consumers.join(", ") || "none"}`, raw, edits, () => consumers);
}

export function planLockdown(raw: Record<string, unknown>, on: boolean): Plan {
    currentConfig(raw);
    return planEdits("lockdown", on ? "lock the namespace down to trusted sources" : "lift the lockdown", raw, [{ path: "security.lockdown", to: on }], () => []);
}

export function planRateLimit(raw: Record<string, unknown>, rps: number, burst?: number): Plan {
    const config = currentConfig(raw);
    wholeNumber("rps", rps, 1);
    const nextBurst = burst ?? Math.max(config.security.rateLimit.burst, rps);
    wholeNumber("--burst", nextBurst, 1);
    if (nextBurst < rps) throw new InvalidInputError(`--burst ${nextBurst} is below the rate ${rps}; a burst must allow at least one second of traffic`);
    return planEdits("rate-limit", `limit the gateway to ${rps} rps (burst ${nextBurst})`, raw, [{ path: "security.rateLimit", to: { ...config.security.rateLimit, enabled: true, rps, burst: nextBurst } }], () => ["gateway"]);
}

const BREAKER_KEYS = ["enabled", "errorThresholdPercent", "openSeconds", "halfOpenRequests"] as const;

/** `circuit-breaker errorThresholdPercent=25,openSeconds=60` (or `off` / `on`). */
export function planCircuitBreaker(raw: Record<string, unknown>, settings: string): Plan {
    const config = currentConfig(raw);
    const next: Record<string, unknown> = { ...config.security.circuitBreaker };
    if (settings === "on" || settings === "off") {
        next.enabled = settings === "on";
    } else {
        for (const pair of settings.split(",").map((p) => p.trim()).filter(Boolean)) {
            const [key, value] = pair.split("=");
            if (!(BREAKER_KEYS as readonly string[]).includes(key) || value === undefined) {
                throw new InvalidInputError(`"${pair}" is not a circuit breaker setting; use key=value with keys ${BREAKER_KEYS.join(", ")}, or on/off`);
            }
            next[key] = key === "enabled" ? value === "true" : Number(value);
        }
    }
    return planEdits("circuit-breaker", `set the gateway circuit breaker: ${settings}`, raw, [{ path: "security.circuitBreaker", to: next }], () => ["gateway"]);
}

/** `maintenance on|off`: writers (services that call a store) scale to zero and back. */
export function planMaintenance(raw: Record<string, unknown>, on: boolean): Plan {
    const config = currentConfig(raw);
    const writers = allServices(config).filter((n) => isWriter(config, n));
    return planEdits("maintenance", on ? `stop writers for maintenance: ${writers.join(", ")}` : `restart writers: ${writers.join(", ")}`, raw, [{ path: "maintenance", to: on }], () => writers);
}
