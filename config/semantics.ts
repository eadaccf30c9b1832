import { parseImageReference } from "./imageReference";
import { isPinnedImage } from "./images";
import { GATEWAY_TUNING_KEYS, injectedEnv, RESERVED_SECRET_NAMES, RESERVED_SERVICE_NAMES, TUNING_KEYS } from "./reserved";
import { postgresSettingBytes } from "./postgresSettings";
import { cpuCores, durationSeconds, memoryBytes, redisBytes } from "./quantities";
import { BUILT_IN_SECRETS, guardrailsSchema, STORE_RESOURCES_DEFAULT, STORES } from "./schema";

/** A problem found in the stack config: a dot path below `mcp:` and what is wrong and how to fix it. */
export interface ConfigProblem {
    path: string;
    message: string;
}

type Raw = Record<string, unknown>;

const record = (value: unknown): Raw | undefined =>
    typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Raw) : undefined;
const int = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);
const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

const REQUIRED_SERVICES = ["gateway", "router"] as const;

/** The smallest memory limit container runtimes accept. */
const MIN_MEMORY_LIMIT = 6 * 2 ** 20;

/**
 * Rules that relate fields to each other. They read the raw config defensively, so they run
 * even when the schema found shape errors elsewhere, and every problem is reported in one pass.
 */
export function semanticProblems(raw: Raw): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const report = (path: string, message: string) => problems.push({ path, message });

    const services = record(raw.services) ?? {};
    const secrets = record(raw.secrets) ?? {};
    // The schema holds the guardrails' defaults; invalid guardrails are its to report, the defaults apply meanwhile.
    const guardrails = guardrailsSchema.safeParse(raw.guardrails ?? {}).data ?? guardrailsSchema.parse({});
    const maxReplicasAllowed = guardrails.maxReplicas;
    const maxCpu = cpuCores(guardrails.maxCpu);
    const maxMemory = memoryBytes(guardrails.maxMemory);
    const serviceNames = Object.keys(services);
    const callable = [...serviceNames, ...STORES];
    const secretNames = [...new Set([...Object.keys(secrets), ...BUILT_IN_SECRETS])];

    if (record(raw.services)) {
        for (const required of REQUIRED_SERVICES) {
            if (!(required in services)) {
                report(`services.${required}`, `is required; declare the ${required} service with at least image and port`);
            }
        }
    }

    for (const [name, value] of Object.entries(services)) {
        const service = record(value);
        if (!service) continue;
        const at = `services.${name}`;
        if (name in RESERVED_SERVICE_NAMES) {
            report(
                at,
                `is a name the platform gives ${RESERVED_SERVICE_NAMES[name]}; its objects would collide with this service's: rename the ` +
                    `service`,
            );
        }
        checkImage(report, `${at}.image`, service.image);
        checkServicePorts(report, at, service);
        const calls = list(service.calls).filter((c): c is string => typeof c === "string");
        const injected = injectedEnv(calls);
        for (const section of ["env", "secretEnv"] as const) {
            for (const envName of Object.keys(record(service[section]) ?? {})) {
                if (envName in injected) {
                    report(
                        `${at}.${section}.${envName}`,
                        `is set by the platform because ${name} calls ${injected[envName]}; remove it (the platform's value would be ` +
                            `overridden or duplicated)`,
                    );
                }
            }
        }
        const extra = record(record(service.tuning)?.extra) ?? {};
        const ownKeys: readonly string[] = name === "gateway" ? [...TUNING_KEYS, ...GATEWAY_TUNING_KEYS] : TUNING_KEYS;
        for (const key of Object.keys(extra)) {
            if (ownKeys.includes(key))
                report(
                    `${at}.tuning.extra.${key}`,
                    `is written by the platform from the tuning and security settings; set it there instead`,
                );
        }
        checkReplicas(report, at, service, maxReplicasAllowed);
        checkResources(report, `${at}.resources`, record(service.resources), maxCpu, maxMemory);

        if (int(service.metricsPort) !== undefined && service.metricsPort === service.port) {
            report(`${at}.metricsPort`, `(${service.metricsPort}) must differ from port; serve metrics on a port of their own`);
        }
        list(service.calls).forEach((callee, i) => {
            if (typeof callee !== "string") return;
            if (callee === name) {
                report(`${at}.calls[${i}]`, `names the service itself; remove "${callee}"`);
            } else if (!callable.includes(callee)) {
                report(
                    `${at}.calls[${i}]`,
                    `"${callee}" is neither a service nor a store; use one of: ${callable.filter((c) => c !== name).join(", ")}`,
                );
            }
        });
        const env = record(service.env) ?? {};
        for (const [envName, secret] of Object.entries(record(service.secretEnv) ?? {})) {
            if (typeof secret === "string" && !secretNames.includes(secret)) {
                report(
                    `${at}.secretEnv.${envName}`,
                    `names secret "${secret}", which is not declared; add it under mcp:secrets or use one of: ${secretNames.join(", ")}`,
                );
            }
            if (envName in env) {
                report(`${at}.secretEnv.${envName}`, `is also set in env; keep it in one of env or secretEnv`);
            }
        }
        const probeToken = text(service.probeTokenSecret);
        if (probeToken !== undefined && !secretNames.includes(probeToken)) {
            report(`${at}.probeTokenSecret`, `names secret "${probeToken}", which is not declared; add it under mcp:secrets`);
        }
        const tools = list(service.tools).filter((t): t is string => typeof t === "string");
        const duplicate = tools.find((tool, i) => tools.indexOf(tool) !== i);
        if (duplicate !== undefined) report(`${at}.tools`, `lists "${duplicate}" twice; list each expected tool once`);
    }

    for (const name of Object.keys(secrets)) {
        if (name in RESERVED_SECRET_NAMES)
            report(`secrets.${name}`, `is the name of the Secret holding ${RESERVED_SECRET_NAMES[name]}; choose another name`);
        const secret = record(secrets[name]) ?? {};
        const rotation = record(secret.rotation);
        if (rotation && typeof rotation.from === "number" && rotation.from !== Number(secret.rotationEpoch ?? 0) - 1) {
            report(
                `secrets.${name}.rotation.from`,
                `must be rotationEpoch - 1 (${Number(secret.rotationEpoch ?? 0) - 1}): a rotation moves from one generation to the ` +
                    "next; let mcp-ops rotate write it",
            );
        }
    }

    const environment = text(raw.environment);
    if (environment === "production") productionProblems(report, raw, services);
    const aws = record(raw.aws) ?? {};
    const awsEnabled = aws.enabled === true;
    if (awsEnabled && environment === "local") {
        report("aws.enabled", "must be false on the local stack: the local cluster has no AWS account; set it to false");
    }
    if (awsEnabled) {
        for (const key of ["region", "oidcProviderArn", "oidcIssuer"]) {
            if (aws[key] === undefined) report(`aws.${key}`, `is required when aws.enabled is true; set it (see Pulumi.yaml)`);
        }
    }

    const backups = record(raw.backups) ?? {};
    if (backups.enabled !== false && backups.destination === "s3" && !awsEnabled) {
        report("backups.destination", `is "s3" but mcp:aws.enabled is not true; enable AWS or set the destination to "volume"`);
    }

    for (const store of STORES) {
        const config = record(raw[store]) ?? {};
        const mode = config.mode ?? "in-cluster";
        if (mode === "external" && config.external === undefined) {
            report(`${store}.external`, `is required when ${store}.mode is "external"; set host and port`);
        }
        if (mode === "in-cluster" && config.external !== undefined) {
            report(`${store}.external`, `is only read when ${store}.mode is "external"; remove it or set the mode to "external"`);
        }
        if (mode === "in-cluster" && config.image !== undefined) checkImage(report, `${store}.image`, config.image);
        if (mode === "external") {
            for (const key of [
                "storage",
                "storageClass",
                "resources",
                "image",
                "placement",
                ...(store === "redis" ? ["maxmemory", "maxmemoryPolicy", "appendonly"] : ["settings"]),
            ]) {
                if (config[key] !== undefined)
                    report(`${store}.${key}`, `only applies to an in-cluster ${store}, and ${store}.mode is "external"; remove it`);
            }
        }
        checkResources(report, `${store}.resources`, record(config.resources), maxCpu, maxMemory);
    }
    checkImage(report, "backups.uploaderImage", backups.uploaderImage);
    checkImage(report, "backups.opsImage", backups.opsImage);
    checkImage(report, "monitoring.proberImage", record(raw.monitoring)?.proberImage);
    checkImage(report, "monitoring.postgresExporterImage", record(raw.monitoring)?.postgresExporterImage);
    checkImage(report, "monitoring.redisExporterImage", record(raw.monitoring)?.redisExporterImage);

    const redis = record(raw.redis) ?? {};
    const redisLimit = memoryBytes(record(record(redis.resources)?.limits)?.memory ?? STORE_RESOURCES_DEFAULT.limits.memory);
    const maxmemory = redisBytes(redis.maxmemory ?? "768mb");
    if (redis.mode !== "external" && maxmemory === 0) {
        report(
            "redis.maxmemory",
            `(${redis.maxmemory}) means no limit to Redis, which then grows until it is killed; set a size below the memory limit`,
        );
    } else if (redis.mode !== "external" && redisLimit !== undefined && maxmemory !== undefined && maxmemory >= redisLimit) {
        report(
            "redis.maxmemory",
            `(${redis.maxmemory ?? "768mb"}) must be below the memory limit, or Redis is killed before it evicts; lower it or raise ` +
                `redis.resources.limits.memory`,
        );
    }

    const postgres = record(raw.postgres) ?? {};
    const postgresLimit = memoryBytes(record(record(postgres.resources)?.limits)?.memory ?? STORE_RESOURCES_DEFAULT.limits.memory);
    const sharedBuffers = postgresSettingBytes("shared_buffers", record(postgres.settings)?.shared_buffers);
    if (postgresLimit !== undefined && sharedBuffers !== undefined && sharedBuffers > postgresLimit / 2) {
        report(
            "postgres.settings.shared_buffers",
            `(${record(postgres.settings)?.shared_buffers}) must be at most half the memory limit, or the server is killed under load; ` +
                "lower it or raise postgres.resources.limits.memory",
        );
    }

    const tls = record(raw.tls) ?? {};
    if (tls.enabled !== false) {
        // cert-manager's own validation: a certificate lives at least an hour, renewal starts at least 5 minutes before expiry.
        const life = durationSeconds(tls.duration ?? "2160h");
        if (life !== undefined && life < 3600)
            report("tls.duration", `(${tls.duration}) must be at least 1h; cert-manager refuses shorter certificates`);
        const renew = durationSeconds(tls.renewBefore ?? "360h");
        if (renew !== undefined && renew < 300)
            report("tls.renewBefore", `(${tls.renewBefore}) must be at least 5m; cert-manager refuses a shorter renewal window`);
        if (tls.issuer === "acme" && tls.acme === undefined) {
            report("tls.acme", `is required when tls.issuer is "acme"; set at least acme.email`);
        }
        if (list(tls.dnsNames).length === 0) {
            report("tls.dnsNames", "must list at least one DNS name for the gateway certificate");
        }
        const duration = durationSeconds(tls.duration ?? "2160h");
        const renewBefore = durationSeconds(tls.renewBefore ?? "360h");
        if (duration !== undefined && renewBefore !== undefined && renewBefore >= duration) {
            report("tls.renewBefore", `(${tls.renewBefore ?? "360h"}) must be shorter than tls.duration (${tls.duration ?? "2160h"})`);
        }
    }
    if (tls.enabled === false && tls.acme !== undefined) {
        report("tls.acme", "is set but tls.enabled is false, so no certificate is requested; remove tls.acme or enable TLS");
    }
    if (environment === "production" && tls.issuer !== "acme" && tls.enabled !== false) {
        report("tls.issuer", `must be "acme" in production; self-signed and private CA certificates are for local and staging`);
    }

    const rateLimit = record(record(raw.security)?.rateLimit) ?? {};
    const rps = int(rateLimit.rps);
    const burst = int(rateLimit.burst);
    if (rps !== undefined && burst !== undefined && burst < rps) {
        report("security.rateLimit.burst", `(${burst}) must be >= rateLimit.rps (${rps})`);
    }

    return problems;
}

type Report = (path: string, message: string) => void;

/** Settings valid elsewhere but certainly wrong in production. */
function productionProblems(report: Report, raw: Raw, services: Raw): void {
    for (const name of ["gateway", "router"]) {
        const service = record(services[name]);
        if (!service) continue;
        const minimum = int(service.minReplicas) ?? int(service.replicas) ?? 1;
        if (minimum < 2) {
            report(
                `services.${name}.${service.minReplicas !== undefined ? "minReplicas" : "replicas"}`,
                `(${minimum}) must be at least 2 in production: one pod is an outage at every rollout or node drain`,
            );
        }
    }
    if (record(raw.backups)?.enabled === false)
        report("backups.enabled", "must be true in production: the runbooks' restores start from these backups");
    if (record(raw.tls)?.enabled === false) report("tls.enabled", "must be true in production: the gateway serves clients over TLS only");
}

/** Ports a container of the platform can bind: it runs as non-root with every capability dropped. */
function checkServicePorts(report: Report, at: string, service: Raw): void {
    for (const key of ["port", "metricsPort"]) {
        const value = int(service[key]);
        if (value !== undefined && value >= 1 && value < 1024) {
            report(
                `${at}.${key}`,
                `(${value}) must be 1024 or above: the container runs as non-root without capabilities and cannot bind a lower port`,
            );
        }
    }
}

function checkImage(report: Report, path: string, image: unknown): void {
    // A reference that does not parse is the schema's to report.
    if (typeof image === "string" && "reference" in parseImageReference(image) && !isPinnedImage(image)) {
        report(path, `"${image}" is not pinned; use a version tag (name:1.2.3) or a digest (name@sha256:...), never latest`);
    }
}

function checkReplicas(report: Report, at: string, service: Raw, maxAllowed: number): void {
    const replicas = int(service.replicas);
    const min = int(service.minReplicas);
    const max = int(service.maxReplicas);
    if (replicas !== undefined && (min !== undefined || max !== undefined)) {
        report(
            `${at}.replicas`,
            "cannot be combined with minReplicas/maxReplicas: the HPA owns replicas when they are set; remove one or the other",
        );
    }
    if (min !== undefined && max === undefined) report(`${at}.maxReplicas`, "is required when minReplicas is set");
    if (max !== undefined && min === undefined) report(`${at}.minReplicas`, "is required when maxReplicas is set");
    if (min !== undefined && max !== undefined && max < min) {
        report(`${at}.maxReplicas`, `(${max}) must be >= minReplicas (${min})`);
    }
    for (const [key, value] of [
        ["replicas", replicas],
        ["maxReplicas", max],
    ] as const) {
        if (value !== undefined && value > maxAllowed) {
            report(
                `${at}.${key}`,
                `(${value}) exceeds guardrails.maxReplicas (${maxAllowed}); lower it or raise mcp:guardrails.maxReplicas`,
            );
        }
    }
}

function checkResources(report: Report, at: string, resources: Raw | undefined, maxCpu?: number, maxMemory?: number): void {
    if (!resources) return;
    const requests = record(resources.requests) ?? {};
    const limits = record(resources.limits) ?? {};
    const compare: Array<["cpu" | "memory", (q: unknown) => number | undefined, number | undefined, string]> = [
        ["cpu", cpuCores, maxCpu, "maxCpu"],
        ["memory", memoryBytes, maxMemory, "maxMemory"],
    ];
    for (const [kind, parse, ceiling, guardrail] of compare) {
        const request = parse(requests[kind]);
        const limit = parse(limits[kind]);
        if (kind === "cpu" && limit === 0) report(`${at}.limits.cpu`, "(0) gives the container no CPU at all; set a limit such as 100m");
        if (kind === "memory" && limit !== undefined && limit < MIN_MEMORY_LIMIT) {
            report(
                `${at}.limits.memory`,
                `(${limits.memory}) is below 6Mi, the least a container runtime starts a container with; raise it`,
            );
        }
        if (request !== undefined && limit !== undefined && request > limit) {
            report(`${at}.requests.${kind}`, `(${requests[kind]}) must be <= limits.${kind} (${limits[kind]})`);
        }
        if (limit !== undefined && ceiling !== undefined && limit > ceiling) {
            report(
                `${at}.limits.${kind}`,
                `(${limits[kind]}) exceeds guardrails.${guardrail}; lower it or raise mcp:guardrails.${guardrail}`,
            );
        }
    }
}
