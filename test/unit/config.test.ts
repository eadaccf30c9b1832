import { describe, expect, it } from "vitest";
import { parsePlatformConfig, decodeStackConfig } from "../../config/load";
import { configProblems, rawStackConfig, stackConfig } from "../support/platform";

/** The smallest valid config; each bad case below breaks it in one way. */
function minimal(): Record<string, any> {
    return {
        environment: "staging",
        services: {
            gateway: { image: "mcpplatform/gateway:1.4.2", port: 8080 },
            router: { image: "mcpplatform/router:1.4.2", port: 9091 },
        },
        tls: { dnsNames: ["mcp.example.com"] },
    };
}

function problemsOf(edit: (raw: Record<string, any>) => void): string[] {
    const raw = minimal();
    edit(raw);
    const problems = configProblems(raw);
    if (problems.length === 0) throw new Error("config was accepted");
    return problems;
}

const BAD_CONFIGS: Array<[string, (raw: Record<string, any>) => void, string[]]> = [
    [
        "HPA bounds the wrong way round",
        (r) => Object.assign(r.services.gateway, { minReplicas: 3, maxReplicas: 2 }),
        ["mcp:services.gateway.maxReplicas (2) must be >= minReplicas (3)"],
    ],
    [
        "fixed replicas together with HPA bounds",
        (r) => Object.assign(r.services.gateway, { replicas: 2, minReplicas: 2, maxReplicas: 4 }),
        [
            "mcp:services.gateway.replicas cannot be combined with minReplicas/maxReplicas: the HPA owns replicas when they are set; " +
                "remove one or the other",
        ],
    ],
    [
        "only one HPA bound",
        (r) => Object.assign(r.services.router, { minReplicas: 2 }),
        ["mcp:services.router.maxReplicas is required when minReplicas is set"],
    ],
    [
        "an image on latest",
        (r) => (r.services.gateway.image = "mcpplatform/gateway:latest"),
        [
            'mcp:services.gateway.image "mcpplatform/gateway:latest" is not pinned; use a version tag (name:1.2.3) or a digest ' +
                "(name@sha256:...), never latest",
        ],
    ],
    [
        "an untagged image behind a registry port",
        (r) => (r.services.router.image = "registry.internal:5000/router"),
        [
            'mcp:services.router.image "registry.internal:5000/router" is not pinned; use a version tag (name:1.2.3) or a digest ' +
                "(name@sha256:...), never latest",
        ],
    ],
    ["a port out of range", (r) => (r.services.router.port = 70000), ["mcp:services.router.port (70000) must be <= 65535"]],
    ["a port that is not a number", (r) => (r.services.router.port = "http"), ['mcp:services.router.port must be a number, got "http"']],
    [
        "no router",
        (r) => delete r.services.router,
        ["mcp:services.router is required; declare the router service with at least image and port"],
    ],
    ["a service without image", (r) => delete r.services.gateway.image, ["mcp:services.gateway.image is required"]],
    [
        "a misspelt service setting",
        (r) => (r.services.gateway.replica = 2),
        ['mcp:services.gateway.replica is not a known setting; did you mean "replicas"?'],
    ],
    [
        "a setting at the wrong level",
        (r) => (r.lockdown = true),
        ["mcp:lockdown is not a known setting; it belongs under mcp:security.lockdown"],
    ],
    [
        "a call to an undeclared service",
        (r) => (r.services.gateway.calls = ["router", "billing"]),
        ['mcp:services.gateway.calls[1] "billing" is neither a service nor a store; use one of: router, redis, postgres'],
    ],
    [
        "an env var from an undeclared secret",
        (r) => (r.services.gateway.secretEnv = { API_TOKEN: "api-token" }),
        [
            'mcp:services.gateway.secretEnv.API_TOKEN names secret "api-token", which is not declared; add it under mcp:secrets or use ' +
                "one of: redis-password, postgres-password, gateway-jwt-signing-key",
        ],
    ],
    ["no environment", (r) => delete r.environment, ['mcp:environment is required; set it to one of "local", "staging", "production"']],
    [
        "an unknown environment",
        (r) => (r.environment = "prod"),
        ['mcp:environment must be one of "local", "staging", "production", got "prod"'],
    ],
    [
        "AWS on the local stack",
        (r) =>
            Object.assign(r, {
                environment: "local",
                aws: {
                    enabled: true,
                    region: "eu-west-1",
                    oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/x",
                    oidcIssuer: "oidc.example/id/x",
                },
            }),
        ["mcp:aws.enabled must be false on the local stack: the local cluster has no AWS account; set it to false"],
    ],
    [
        "S3 backups without AWS",
        (r) => (r.backups = { destination: "s3" }),
        ['mcp:backups.destination is "s3" but mcp:aws.enabled is not true; enable AWS or set the destination to "volume"'],
    ],
    [
        "AWS without its settings",
        (r) => (r.aws = { enabled: true }),
        [
            "mcp:aws.region is required when aws.enabled is true; set it (see Pulumi.yaml)",
            "mcp:aws.oidcProviderArn is required when aws.enabled is true; set it (see Pulumi.yaml)",
            "mcp:aws.oidcIssuer is required when aws.enabled is true; set it (see Pulumi.yaml)",
        ],
    ],
    [
        "ACME without an account",
        (r) => (r.tls.issuer = "acme"),
        ['mcp:tls.acme is required when tls.issuer is "acme"; set at least acme.email'],
    ],
    [
        "renewal after expiry",
        (r) => Object.assign(r.tls, { duration: "720h", renewBefore: "800h" }),
        ["mcp:tls.renewBefore (800h) must be shorter than tls.duration (720h)"],
    ],
    [
        "requests above limits",
        (r) => (r.services.gateway.resources = { requests: { cpu: "2", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } }),
        ["mcp:services.gateway.resources.requests.cpu (2) must be <= limits.cpu (500m)"],
    ],
    [
        "a CPU quantity Kubernetes cannot read",
        (r) => (r.services.gateway.resources = { requests: { cpu: "half", memory: "128Mi" }, limits: { cpu: "1", memory: "256Mi" } }),
        [
            'mcp:services.gateway.resources.requests.cpu must be a CPU quantity such as "250m" or "2" (a number, optionally with a unit ' +
                '(m, k, M, G, Ki, Mi, Gi, ...) or an exponent (e3), not negative), got "half"',
        ],
    ],
    [
        "Redis maxmemory above its memory limit",
        (r) => (r.redis = { maxmemory: "2gb" }),
        [
            "mcp:redis.maxmemory (2gb) must be below the memory limit, or Redis is killed before it evicts; lower it or raise " +
                "redis.resources.limits.memory",
        ],
    ],
    [
        "a PostgreSQL parameter the settings do not know (a typo)",
        (r) => (r.postgres = { settings: { shared_buffer: "256MB" } }),
        ['mcp:postgres.settings.shared_buffer is not a known setting; did you mean "shared_buffers"?'],
    ],
    [
        "PostgreSQL memory written the Kubernetes way",
        (r) => (r.postgres = { settings: { work_mem: "64Mi" } }),
        [
            'mcp:postgres.settings.work_mem must be a PostgreSQL memory size such as "16MB" or "4GB" ' +
                '(units B, kB, MB, GB, TB as written; a bare number counts in 1kB), at least 64kB, got "64Mi"',
        ],
    ],
    [
        "max_connections out of range",
        (r) => (r.postgres = { settings: { max_connections: 5 } }),
        ["mcp:postgres.settings.max_connections must be a whole number from 10 to 10000, got 5"],
    ],
    [
        "shared_buffers above half the memory limit",
        (r) => (r.postgres = { settings: { shared_buffers: "768MB" } }),
        [
            "mcp:postgres.settings.shared_buffers (768MB) must be at most half the memory limit, or the server is killed under load; " +
                "lower it or raise postgres.resources.limits.memory",
        ],
    ],
    [
        "settings for an external PostgreSQL",
        (r) => (r.postgres = { mode: "external", external: { host: "db.example.com", port: 5432 }, settings: { work_mem: "8MB" } }),
        ['mcp:postgres.settings only applies to an in-cluster postgres, and postgres.mode is "external"; remove it'],
    ],
    [
        "an external Redis without endpoint",
        (r) => (r.redis = { mode: "external" }),
        ['mcp:redis.external is required when redis.mode is "external"; set host and port'],
    ],
    [
        "a schedule that is not cron",
        (r) => (r.backups = { redisSchedule: "every 6 hours" }),
        [
            'mcp:backups.redisSchedule must be a cron schedule such as "0 */6 * * *" or "@daily" (needs five fields: minute hour ' +
                'day-of-month month day-of-week), got "every 6 hours"',
        ],
    ],
    [
        "a service name that is not a DNS label",
        (r) => (r.services.My_Server = { image: "x/y:1.0.0", port: 3000 }),
        ["mcp:services.My_Server is not a valid name: names must be DNS labels (lower-case letters, digits, '-')"],
    ],
    [
        "more replicas than the guardrail",
        (r) => (r.services.router.replicas = 80),
        ["mcp:services.router.replicas (80) exceeds guardrails.maxReplicas (50); lower it or raise mcp:guardrails.maxReplicas"],
    ],
    [
        "metrics on the service port",
        (r) => (r.services.gateway.metricsPort = 8080),
        ["mcp:services.gateway.metricsPort (8080) must differ from port; serve metrics on a port of their own"],
    ],
    [
        "production without ACME",
        (r) =>
            Object.assign(
                r,
                { environment: "production" },
                { services: { gateway: { ...r.services.gateway, replicas: 2 }, router: { ...r.services.router, replicas: 2 } } },
            ),
        ['mcp:tls.issuer must be "acme" in production; self-signed and private CA certificates are for local and staging'],
    ],
    [
        "a burst below the rate",
        (r) => (r.security = { rateLimit: { rps: 100, burst: 10 } }),
        ["mcp:security.rateLimit.burst (10) must be >= rateLimit.rps (100)"],
    ],
    [
        "a negative rotation epoch",
        (r) => (r.secrets = { "api-token": { rotationEpoch: -1 } }),
        ["mcp:secrets.api-token.rotationEpoch (-1) must be >= 0"],
    ],
    [
        "a replica count that is not whole",
        (r) => (r.services.router.replicas = 1.5),
        ["mcp:services.router.replicas must be a whole number, got 1.5"],
    ],
];

describe("stack config validation", () => {
    it.each(BAD_CONFIGS)("rejects %s with a message naming the key and the fix", (_, edit, expected) => {
        expect(problemsOf(edit)).toEqual(expected);
    });

    it("has at least 20 distinct bad configs", () => {
        expect(new Set(BAD_CONFIGS.map(([, , messages]) => messages.join())).size).toBeGreaterThanOrEqual(20);
    });

    it("lists every problem at once, shape errors and cross-field errors together", () => {
        const problems = problemsOf((r) => {
            r.services.router.port = 0;
            Object.assign(r.services.gateway, { minReplicas: 4, maxReplicas: 2, image: "mcpplatform/gateway" });
            r.backups = { destination: "s3" };
        });
        expect(problems).toEqual([
            "mcp:services.router.port (0) must be >= 1",
            'mcp:services.gateway.image "mcpplatform/gateway" is not pinned; use a version tag (name:1.2.3) or a digest ' +
                "(name@sha256:...), never latest",
            "mcp:services.gateway.maxReplicas (2) must be >= minReplicas (4)",
            'mcp:backups.destination is "s3" but mcp:aws.enabled is not true; enable AWS or set the destination to "volume"',
        ]);
    });

    it("says in the error that nothing was changed and counts the problems", () => {
        const raw = minimal();
        raw.services.router.port = 0;
        raw.environment = "prod";
        expect(() => parsePlatformConfig(raw)).toThrowError(/^Invalid stack config \(2 problems\); nothing was changed:\n {2}- mcp:/);
    });

    it("applies documented defaults", () => {
        const config = parsePlatformConfig(minimal());
        expect(config.namespace).toBe("mcp-system");
        expect(config.services.gateway.health.path).toBe("/health");
        expect(config.services.gateway.tuning.connectionPoolSize).toBe(100);
        expect(config.backups).toMatchObject({ destination: "volume", retentionDays: 14, redisSchedule: "0 */6 * * *" });
        expect(config.security.lockdown).toBe(false);
        expect(Object.keys(config.secrets).sort()).toEqual(["gateway-jwt-signing-key", "postgres-password", "redis-password"]);
    });

    it("reads Pulumi's flat config map, decoding JSON values and leaving secret keys out", () => {
        const raw = decodeStackConfig({
            "mcp:environment": "staging",
            "mcp:maintenance": "true",
            "mcp:services": JSON.stringify(minimal().services),
            "mcp:redisPassword": "hunter2",
            "kubernetes:context": "local",
        });
        expect(raw).toEqual({ environment: "staging", maintenance: true, services: minimal().services });
    });

    it("decodes a stack file's typed values as the program decodes them, leaving encrypted values out", () => {
        const raw = decodeStackConfig({
            "mcp:maintenance": true,
            "mcp:quoted": "true",
            "mcp:namespace": "mcp-system",
            "mcp:other": { secure: "v1:abc" },
        });
        expect(raw).toEqual({ maintenance: true, quoted: true, namespace: "mcp-system" });
    });

    it.each(["local", "staging", "production"])("accepts the checked-in %s stack", (stack) => {
        const config = stackConfig(stack);
        expect(config.environment).toBe(stack);
        expect(Object.keys(config.services)).toEqual(expect.arrayContaining(["gateway", "router"]));
    });

    it("keeps staging and production apart where they should differ", () => {
        const staging = stackConfig("staging");
        const production = stackConfig("production");
        expect(production.services.gateway.maxReplicas).toBeGreaterThan(staging.services.gateway.maxReplicas!);
        expect([staging.tls.issuer, production.tls.issuer]).toEqual(["ca", "acme"]);
        expect([staging.aws.enabled, production.aws.enabled]).toEqual([false, true]);
        expect([staging.backups.destination, production.backups.destination]).toEqual(["volume", "s3"]);
        expect(production.backups.retentionDays).toBeGreaterThan(staging.backups.retentionDays);
        expect(production.backups.redisSchedule).not.toBe(staging.backups.redisSchedule);
        expect(rawStackConfig("local").aws.enabled).toBe(false);
    });
});
