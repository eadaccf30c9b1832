import { describe, expect, it } from "vitest";
import { configProblems } from "../support/platform";

/**
 * Configs the schema must refuse because the API server, cert-manager, the container runtime or
 * the program itself would refuse them later (mid-update), or because they are certainly wrong.
 * Each names the key and the fix. The first ones are the shrunk counterexamples the generated-config
 * check (test/integration/apiServer.test.ts) found.
 */
function base(): Record<string, any> {
    return {
        environment: "staging",
        services: {
            gateway: { image: "mcpplatform/gateway:1.4.2", port: 8080, calls: ["router", "redis"] },
            router: { image: "mcpplatform/router:1.4.2", port: 9091, calls: ["postgres"] },
        },
        tls: { dnsNames: ["mcp.example.com"] },
    };
}

function problemsOf(edit: (raw: Record<string, any>) => void): string[] {
    const raw = base();
    edit(raw);
    return configProblems(raw);
}

const server = (over: Record<string, unknown> = {}) => ({ image: "mcpplatform/mcp-x:1.0.0", port: 3000, ...over });
const cron = (schedule: string) => (r: Record<string, any>) => (r.backups = { redisSchedule: schedule });
const CRON = 'mcp:backups.redisSchedule must be a cron schedule such as "0 */6 * * *" or "@daily"';

const CORPUS: Array<[string, (raw: Record<string, any>) => void, string]> = [
    [
        "a probe token from a secret nobody declared",
        (r) => (r.services["mcp-x"] = server({ tools: ["search"], probeTokenSecret: "mcp-x-token" })),
        'mcp:services.mcp-x.probeTokenSecret names secret "mcp-x-token", which is not declared; add it under mcp:secrets',
    ],
    [
        "a tool lock not written by mcp-ops tools lock",
        (r) => (r.services["mcp-x"] = server({ tools: ["search"], toolLock: { search: { inputSchema: "abc", description: "def" } } })),
        "mcp:services.mcp-x.toolLock.search.inputSchema must be sha256:<64 hex digits>, as mcp-ops tools lock writes it",
    ],
    [
        "an unpinned prober image",
        (r) => (r.monitoring = { proberImage: "mcpplatform/mcp-ops:latest" }),
        'mcp:monitoring.proberImage "mcpplatform/mcp-ops:latest" is not pinned',
    ],
    [
        "an unpinned postgres_exporter image",
        (r) => (r.monitoring = { postgresExporterImage: "prometheuscommunity/postgres-exporter" }),
        'mcp:monitoring.postgresExporterImage "prometheuscommunity/postgres-exporter" is not pinned',
    ],
    [
        "an unpinned redis_exporter image",
        (r) => (r.monitoring = { redisExporterImage: "oliver006/redis_exporter:latest" }),
        'mcp:monitoring.redisExporterImage "oliver006/redis_exporter:latest" is not pinned',
    ],
    // Found by the generated configs: the API server's CronJob validation and duplicate objects.
    [
        "regression: a day of month of 0 (CronJob validation)",
        cron("0-0 * 0 0-0 0,0"),
        `${CRON} (day of month "0" is outside 1-31), got "0-0 * 0 0-0 0,0"`,
    ],
    [
        "regression: a service named redis (its objects collide with the store's)",
        (r) => (r.services.redis = server()),
        "mcp:services.redis is a name the platform gives the in-cluster Redis",
    ],
    // Cron fields, as the CronJob controller parses them.
    ["a minute of 60", cron("60 * * * *"), `${CRON} (minute "60" is outside 0-59), got "60 * * * *"`],
    ["an hour of 24", cron("0 24 * * *"), `${CRON} (hour "24" is outside 0-23), got "0 24 * * *"`],
    ["a month of 13", cron("0 0 1 13 *"), `${CRON} (month "13" is outside 1-12), got "0 0 1 13 *"`],
    ["a day of week of 7", cron("0 0 * * 7"), `${CRON} (day of week "7" is outside 0-6), got "0 0 * * 7"`],
    ["a step of 0", cron("*/0 * * * *"), `${CRON} (step "0" in the minute must be a whole number above 0), got "*/0 * * * *"`],
    ["a backwards range", cron("0 5-2 * * *"), `${CRON} (hour range "5-2" runs backwards), got "0 5-2 * * *"`],
    [
        "a six-field schedule with seconds",
        cron("0 0 */6 * * *"),
        `${CRON} (needs five fields: minute hour day-of-month month day-of-week), got "0 0 */6 * * *"`,
    ],
    ["an unknown month name", cron("0 0 1 foo *"), `${CRON} ("foo" is not a month value), got "0 0 1 foo *"`],
    [
        "a schedule with a time zone prefix",
        cron("CRON_TZ=UTC 0 * * *"),
        `${CRON} (a time zone (TZ= or CRON_TZ=) cannot be set in the schedule), got "CRON_TZ=UTC 0 * * *"`,
    ],
    // CIDRs, as NetworkPolicy ipBlocks take them.
    [
        "an IPv4 octet above 255",
        (r) => (r.security = { trustedCidrs: ["10.0.0.256/24"] }),
        'mcp:security.trustedCidrs[0] must be a CIDR such as "10.0.0.0/8", got "10.0.0.256/24"',
    ],
    [
        "an IPv4 prefix above 32",
        (r) => (r.security = { trustedCidrs: ["10.0.0.0/33"] }),
        'mcp:security.trustedCidrs[0] must be a CIDR such as "10.0.0.0/8", got "10.0.0.0/33"',
    ],
    [
        "an IPv6 prefix above 128",
        (r) => (r.security = { trustedCidrs: ["fd00::/129"] }),
        'mcp:security.trustedCidrs[0] must be a CIDR such as "10.0.0.0/8", got "fd00::/129"',
    ],
    [
        "an IPv6 address that does not parse",
        (r) => (r.security = { trustedCidrs: ["fd00:::1/64"] }),
        'mcp:security.trustedCidrs[0] must be a CIDR such as "10.0.0.0/8", got "fd00:::1/64"',
    ],
    [
        "a CIDR without a prefix",
        (r) => (r.security = { gatewayIngress: { cidrs: ["10.1.2.3"] } }),
        'mcp:security.gatewayIngress.cidrs[0] must be a CIDR such as "10.0.0.0/8", got "10.1.2.3"',
    ],
    // Names the program declares itself.
    [
        "a service named postgres",
        (r) => (r.services.postgres = server()),
        "mcp:services.postgres is a name the platform gives the in-cluster PostgreSQL",
    ],
    ["a service named backup", (r) => (r.services.backup = server()), "mcp:services.backup is a name the platform gives the backup jobs"],
    [
        "a service named default-deny",
        (r) => (r.services["default-deny"] = server()),
        "mcp:services.default-deny is a name the platform gives the namespace's default-deny NetworkPolicy",
    ],
    [
        "a service named allow-dns-egress",
        (r) => (r.services["allow-dns-egress"] = server()),
        "mcp:services.allow-dns-egress is a name the platform gives the namespace's DNS egress NetworkPolicy",
    ],
    [
        "a service named emergency-lockdown",
        (r) => (r.services["emergency-lockdown"] = server()),
        "mcp:services.emergency-lockdown is a name the platform gives the emergency lockdown NetworkPolicy",
    ],
    [
        "a secret named like the gateway's certificate",
        (r) => (r.secrets = { "gateway-tls": {} }),
        "mcp:secrets.gateway-tls is the name of the Secret holding the gateway's certificate; choose another name",
    ],
    [
        "a secret named like the private CA",
        (r) => (r.secrets = { "gateway-tls-ca": {} }),
        "mcp:secrets.gateway-tls-ca is the name of the Secret holding the private CA's certificate; choose another name",
    ],
    [
        "a secret named like the ACME account key",
        (r) => (r.secrets = { "gateway-tls-acme-account": {} }),
        "mcp:secrets.gateway-tls-acme-account is the name of the Secret holding the ACME account key; choose another name",
    ],
    // Environment the program injects.
    [
        "REDIS_HOST set on a service that calls redis",
        (r) => (r.services.gateway.env = { REDIS_HOST: "elsewhere" }),
        "mcp:services.gateway.env.REDIS_HOST is set by the platform because gateway calls redis; remove it",
    ],
    [
        "REDIS_PASSWORD from another secret",
        (r) => (r.services.gateway.secretEnv = { REDIS_PASSWORD: "gateway-jwt-signing-key" }),
        "mcp:services.gateway.secretEnv.REDIS_PASSWORD is set by the platform because gateway calls redis",
    ],
    [
        "DATABASE_HOST set on a service that calls postgres",
        (r) => (r.services.router.env = { DATABASE_HOST: "db" }),
        "mcp:services.router.env.DATABASE_HOST is set by the platform because router calls postgres",
    ],
    [
        "DATABASE_PASSWORD from another secret",
        (r) => (r.services.router.secretEnv = { DATABASE_PASSWORD: "redis-password" }),
        "mcp:services.router.secretEnv.DATABASE_PASSWORD is set by the platform because router calls postgres",
    ],
    [
        "the URL of a callee set by hand",
        (r) => (r.services.gateway.env = { ROUTER_URL: "http://x" }),
        "mcp:services.gateway.env.ROUTER_URL is set by the platform because gateway calls router",
    ],
    [
        "a tuning key the platform writes",
        (r) => (r.services.router.tuning = { extra: { connection_pool_size: "5" } }),
        "mcp:services.router.tuning.extra.connection_pool_size is written by the platform from the tuning and security settings; set it " +
            "there instead",
    ],
    [
        "the gateway's rate limit through tuning",
        (r) => (r.services.gateway.tuning = { extra: { rate_limit_rps: "5" } }),
        "mcp:services.gateway.tuning.extra.rate_limit_rps is written by the platform from the tuning and security settings",
    ],
    // What the runtime or cert-manager refuses although the API server stores it.
    [
        "a port a non-root container cannot bind",
        (r) => (r.services.router.port = 80),
        "mcp:services.router.port (80) must be 1024 or above: the container runs as non-root without capabilities and cannot bind a " +
            "lower port",
    ],
    [
        "a metrics port below 1024",
        (r) => (r.services.router.metricsPort = 443),
        "mcp:services.router.metricsPort (443) must be 1024 or above",
    ],
    [
        "a memory limit below what a runtime starts",
        (r) => (r.services.router.resources = { requests: { cpu: "10m", memory: "1Mi" }, limits: { cpu: "100m", memory: "4Mi" } }),
        "mcp:services.router.resources.limits.memory (4Mi) is below 6Mi, the least a container runtime starts a container with; raise it",
    ],
    [
        "a CPU limit of zero",
        (r) => (r.services.router.resources = { requests: { cpu: "0", memory: "64Mi" }, limits: { cpu: "0", memory: "128Mi" } }),
        "mcp:services.router.resources.limits.cpu (0) gives the container no CPU at all; set a limit such as 100m",
    ],
    [
        "a store memory limit below 6Mi",
        (r) => (r.postgres = { resources: { requests: { cpu: "10m", memory: "1Mi" }, limits: { cpu: "1", memory: "5Mi" } } }),
        "mcp:postgres.resources.limits.memory (5Mi) is below 6Mi",
    ],
    [
        "a certificate shorter than an hour",
        (r) => Object.assign(r.tls, { duration: "30m", renewBefore: "10m" }),
        "mcp:tls.duration (30m) must be at least 1h; cert-manager refuses shorter certificates",
    ],
    [
        "a renewal window under five minutes",
        (r) => Object.assign(r.tls, { duration: "24h", renewBefore: "4m" }),
        "mcp:tls.renewBefore (4m) must be at least 5m; cert-manager refuses a shorter renewal window",
    ],
    // Settings that contradict each other across sections.
    [
        "ACME settings with TLS off",
        (r) => (r.tls = { enabled: false, acme: { email: "ops@example.com" } }),
        "mcp:tls.acme is set but tls.enabled is false, so no certificate is requested; remove tls.acme or enable TLS",
    ],
    [
        "storage for an external Redis",
        (r) => (r.redis = { mode: "external", external: { host: "r.example", port: 6379 }, storage: "10Gi" }),
        'mcp:redis.storage only applies to an in-cluster redis, and redis.mode is "external"; remove it',
    ],
    [
        "maxmemory for an external Redis",
        (r) => (r.redis = { mode: "external", external: { host: "r.example", port: 6379 }, maxmemory: "1gb" }),
        'mcp:redis.maxmemory only applies to an in-cluster redis, and redis.mode is "external"; remove it',
    ],
    [
        "an image for an external PostgreSQL",
        (r) => (r.postgres = { mode: "external", external: { host: "db.example", port: 5432 }, image: "postgres:16.6" }),
        'mcp:postgres.image only applies to an in-cluster postgres, and postgres.mode is "external"; remove it',
    ],
    [
        "resources for an external PostgreSQL",
        (r) =>
            (r.postgres = {
                mode: "external",
                external: { host: "db.example", port: 5432 },
                resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
            }),
        "mcp:postgres.resources only applies to an in-cluster postgres",
    ],
    // Valid, but certainly wrong for the environment.
    [
        "a single gateway pod in production",
        (r) => Object.assign(r, productionWith({ gateway: { replicas: 1 } })),
        "mcp:services.gateway.replicas (1) must be at least 2 in production: one pod is an outage at every rollout or node drain",
    ],
    [
        "an HPA that may shrink the router to one pod in production",
        (r) => Object.assign(r, productionWith({ router: { minReplicas: 1, maxReplicas: 4 } })),
        "mcp:services.router.minReplicas (1) must be at least 2 in production",
    ],
    [
        "production without backups",
        (r) => Object.assign(r, productionWith({}), { backups: { enabled: false } }),
        "mcp:backups.enabled must be true in production: the runbooks' restores start from these backups",
    ],
    [
        "production without TLS",
        (r) => Object.assign(r, productionWith({}), { tls: { enabled: false } }),
        "mcp:tls.enabled must be true in production: the gateway serves clients over TLS only",
    ],
    // Values a receiver takes but the platform must not use, and values no receiver takes.
    [
        "the platform in the cluster's own namespace",
        (r) => (r.namespace = "kube-system"),
        'mcp:namespace must not be "kube-system": it belongs to the cluster itself (the kube- prefix): its default-deny NetworkPolicies ' +
            "and Pod Security restricted label would cut off the cluster's own components; choose a namespace of its own",
    ],
    [
        "the platform in the default namespace",
        (r) => (r.namespace = "default"),
        'mcp:namespace must not be "default": it is the cluster\'s shared default namespace',
    ],
    [
        "a digest shorter than sha256's 64 hex digits",
        (r) => (r.services.router.image = `mcpplatform/router@sha256:${"a".repeat(40)}`),
        "mcp:services.router.image has a sha256 digest that is not 64 lower-case hex digits",
    ],
    [
        "a digest of an algorithm nobody registered",
        (r) => (r.services.router.image = `mcpplatform/router@md5:${"a".repeat(32)}`),
        'mcp:services.router.image has a digest of algorithm "md5"; use sha256 or sha512',
    ],
    [
        "an image reference with upper case in its path",
        (r) => (r.services.router.image = "mcpplatform/Router:1.0.0"),
        "mcp:services.router.image is not an image reference",
    ],
    [
        "two TTL rules for one prefix",
        (r) =>
            (r.redis = {
                ttlRules: [
                    { prefix: "cache:", ttlSeconds: 300 },
                    { prefix: "cache:", ttlSeconds: 60 },
                ],
            }),
        'mcp:redis.ttlRules[1].prefix repeats prefix "cache:"; keep one rule per prefix',
    ],
    [
        "a Redis maxmemory of 0, which Redis reads as no limit",
        (r) => (r.redis = { maxmemory: "0mb" }),
        "mcp:redis.maxmemory (0mb) means no limit to Redis",
    ],
    [
        "a Redis size in a unit Redis does not read",
        (r) => (r.redis = { maxmemory: "1tb" }),
        'mcp:redis.maxmemory must be a Redis size such as "768mb", "512m" or "1gb"',
    ],
    [
        "a database name PostgreSQL would cut to 63 bytes",
        (r) => (r.postgres = { database: "é".repeat(32) }),
        "mcp:postgres.database must be a PostgreSQL database name: it is 64 bytes long; PostgreSQL keeps only 63",
    ],
    [
        "a database name client tools read as a connection string",
        (r) => (r.postgres = { database: "app=1" }),
        'mcp:postgres.database must be a PostgreSQL database name: it contains "="',
    ],
    [
        "an owner whose login roles would be cut to one name",
        (r) => (r.postgres = { user: "u".repeat(62) }),
        "mcp:postgres.user must be a PostgreSQL role name: it is 62 bytes long; " +
            'PostgreSQL keeps only 63, and the login roles add "_a"/"_b"',
    ],
    [
        "an owner role name PostgreSQL reserves",
        (r) => (r.postgres = { user: "pg_app" }),
        "mcp:postgres.user must be a PostgreSQL role name: it is a role name PostgreSQL reserves",
    ],
    ["a volume size of zero", (r) => (r.postgres = { storage: "0Gi" }), 'mcp:postgres.storage must be a storage size such as "8Gi"'],
    [
        "a negative memory quantity",
        (r) => (r.services.router.resources = { requests: { cpu: "100m", memory: "-1Mi" }, limits: { cpu: "1", memory: "1Gi" } }),
        'mcp:services.router.resources.requests.memory must be a memory quantity such as "256Mi" or "2Gi"',
    ],
    ["a @every macro without a unit", cron("@every 5"), `${CRON} ("@every 5" needs a duration such as "@every 90m"), got "@every 5"`],
    [
        "regression: a unit without a number where the API server needs a digit (Ei)",
        (r) => (r.services.router.resources = { requests: { cpu: "100m", memory: "Ei" }, limits: { cpu: "1", memory: "1Gi" } }),
        'mcp:services.router.resources.requests.memory must be a memory quantity such as "256Mi" or "2Gi"',
    ],
    [
        "a PostgreSQL size with a leading zero and an 8 (octal, as the server reads it)",
        (r) => (r.postgres = { settings: { work_mem: "08MB" } }),
        'mcp:postgres.settings.work_mem must be a PostgreSQL memory size such as "16MB" or "4GB"',
    ],
    [
        "a PostgreSQL unit in the wrong case",
        (r) => (r.postgres = { settings: { work_mem: "16mb" } }),
        "(units B, kB, MB, GB, TB as written; a bare number counts in 1kB)",
    ],
    [
        "a PostgreSQL timeout of -1 where only log_min_duration_statement takes it",
        (r) => (r.postgres = { settings: { statement_timeout: -1 } }),
        'mcp:postgres.settings.statement_timeout must be a PostgreSQL duration such as "500ms", "30s" or "5min" ' +
            "(units us, ms, s, min, h, d; a bare number counts in 1ms), from 0 to 1d, got -1",
    ],
    [
        "a checkpoint timeout a bare number makes too short (seconds, not minutes)",
        (r) => (r.postgres = { settings: { checkpoint_timeout: 5 } }),
        "mcp:postgres.settings.checkpoint_timeout must be a PostgreSQL duration",
    ],
];

/** A production config that is valid apart from `services` overrides. */
function productionWith(services: Record<string, Record<string, unknown>>): Record<string, unknown> {
    const replicas = (name: string) => services[name] ?? { replicas: 2 };
    return {
        environment: "production",
        services: {
            gateway: { image: "mcpplatform/gateway:1.4.2", port: 8080, ...replicas("gateway") },
            router: { image: "mcpplatform/router:1.4.2", port: 9091, ...replicas("router") },
        },
        tls: { issuer: "acme", dnsNames: ["mcp.example.com"], acme: { email: "ops@example.com" } },
    };
}

describe("what the schema refuses before anything changes", () => {
    it.each(CORPUS)("refuses %s, naming the key and the fix", (_, edit, expected) => {
        expect(problemsOf(edit)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
    });

    it("has at least 40 cases beyond the original ones", () => {
        expect(new Set(CORPUS.map(([, , message]) => message)).size).toBeGreaterThanOrEqual(40);
    });

    it("still accepts the edges of what is valid", () => {
        for (const schedule of ["59 23 31 12 6", "*/1 * * * *", "0 0 1 jan-dec sun-sat", "0,30 8-18 ? * mon-fri"])
            expect(problemsOf(cron(schedule))).toEqual([]);
        expect(problemsOf((r) => (r.security = { trustedCidrs: ["0.0.0.0/0", "255.255.255.255/32", "fd00::/8", "::/0"] }))).toEqual([]);
        expect(problemsOf((r) => (r.services[`mcp-${"a".repeat(59)}`] = server()))).toEqual([]);
        expect(problemsOf((r) => Object.assign(r.tls, { duration: "1h", renewBefore: "5m" }))).toEqual([]);
    });

    // Values users copy from working setups, once refused: each is what its receiver takes (test/integration/configReceivers.test.ts).
    it.each<[string, (raw: Record<string, any>) => void]>([
        ["a CronJob macro", cron("@daily")],
        ["an @every schedule", cron("@every 90m")],
        ["a PostgreSQL database name with an underscore", (r) => (r.postgres = { database: "mcp_prod" })],
        ["a PostgreSQL database name in upper case", (r) => (r.postgres = { database: "MCP" })],
        ["an owner role name with upper case", (r) => (r.postgres = { user: "McpOwner" })],
        ["a Redis size in decimal megabytes", (r) => (r.redis = { maxmemory: "512m" })],
        ["a Redis size with an upper-case unit", (r) => (r.redis = { maxmemory: "512MB" })],
        ["a Redis policy in upper case", (r) => (r.redis = { maxmemoryPolicy: "ALLKEYS-LFU" })],
        ["a namespace starting with a digit", (r) => (r.namespace = "2024-mcp")],
        [
            "a CPU quantity as a fraction",
            (r) => (r.services.router.resources = { requests: { cpu: "0.1", memory: "128Mi" }, limits: { cpu: "1", memory: "1e9" } }),
        ],
        ["regression: a quantity with surrounding spaces (the API server trims them)", (r) => (r.postgres = { storage: " 8Gi " })],
        [
            "regression: exponents past a double's range (the API server reads e400 as 0 and 1e-400 as 1n)",
            (r) => (r.services.router.resources = { requests: { cpu: "e400", memory: "128Mi" }, limits: { cpu: "1e-400", memory: "1Gi" } }),
        ],
        // PostgreSQL values the server itself takes (postgres -C agrees, test/integration/configReceivers.test.ts).
        [
            "PostgreSQL settings written the ways the server reads them",
            (r) =>
                (r.postgres = {
                    settings: {
                        work_mem: "16 MB",
                        maintenance_work_mem: "0x10MB",
                        effective_cache_size: "1.5GB",
                        shared_buffers: 16384,
                        statement_timeout: "-1us",
                        log_min_duration_statement: -1,
                        checkpoint_timeout: "5min",
                        random_page_cost: "1.1",
                    },
                }),
        ],
        ["an image pinned by a sha512 digest", (r) => (r.services.router.image = `mcpplatform/router@sha512:${"a".repeat(128)}`)],
        ["an image from a registry with a port", (r) => (r.services.router.image = "localhost:5000/team/router:1.4.2")],
    ])("accepts %s", (_, edit) => {
        expect(problemsOf(edit)).toEqual([]);
    });
});
