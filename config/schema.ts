import { z } from "zod";
import { postgresSettingsSchema } from "./postgresSettings";
import {
    cpuQuantity,
    cronSchedule,
    imageRef,
    memoryQuantity,
    namespaceName,
    platformNamespace,
    postgresDatabase,
    postgresRole,
    redisPolicy,
    redisSize,
    serviceName,
    storageQuantity,
} from "./fields";
import { isCidr } from "./network";
import { MCP_OPS_IMAGE } from "./images";
import { placementSchema } from "./placement";

/**
 * The one schema for every `mcp:` stack config key. Shape and single-field rules live here;
 * rules that relate two fields or two sections live in `semantics.ts` so that every problem can
 * be reported in one pass. Defaults are declared once, here.
 */

const port = z.int().min(1).max(65535);

/** Go duration as cert-manager reads it: "2160h", "720h30m", "90m". */
const goDuration = z.string().regex(/^(?=\d)(\d+h)?(\d+m)?(\d+s)?$/, { error: 'must be a duration such as "2160h" or "720h30m"' });

const httpPath = z.string().regex(/^\/[\x21-\x7e]*$/, { error: 'must be an HTTP path starting with "/"' });

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "must be a valid environment variable name" });

/** An IPv4 or IPv6 CIDR as NetworkPolicy ipBlocks take it: a valid address and prefix length. */
const cidr = z.string().refine(isCidr, { error: 'must be a CIDR such as "10.0.0.0/8"' });

const quantities = z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity });

export const resourcesSchema = z.strictObject({
    requests: quantities,
    limits: quantities,
});

const defaultResources = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } };

const tuningSchema = z.strictObject({
    /** Upstream connection pool size. Default 100. */
    connectionPoolSize: z.int().min(1).max(10000).default(100),
    /** Idle connections kept in the pool. Default 50. */
    maxIdleConnections: z.int().min(0).max(10000).default(50),
    /** Connect timeout in seconds. Default 30. */
    connectionTimeoutSeconds: z.int().min(1).max(600).default(30),
    /** HTTP keep-alive. Default true. */
    keepAliveEnabled: z.boolean().default(true),
    /** Keep-alive idle timeout in seconds. Default 90. */
    keepAliveTimeoutSeconds: z.int().min(1).max(3600).default(90),
    /** Further settings passed verbatim into the service's ConfigMap. */
    extra: z.record(z.string().regex(/^[-._a-zA-Z0-9]+$/, { error: "must be a ConfigMap key" }), z.string()).default({}),
});

const sha256 = z.string().regex(/^sha256:[0-9a-f]{64}$/, { error: "must be sha256:<64 hex digits>, as mcp-ops tools lock writes it" });
const toolFingerprint = z.strictObject({ inputSchema: sha256, description: sha256 });

export const serviceSchema = z.strictObject({
    /** Container image, pinned by tag or digest. */
    image: imageRef,
    /** Port the service listens on. */
    port,
    /** Port serving Prometheus metrics; unset means the service exposes none. */
    metricsPort: port.optional(),
    /** Fixed replica count; mutually exclusive with minReplicas/maxReplicas (HPA). */
    replicas: z.int().min(0).max(1000).optional(),
    /** HPA lower bound. Setting min/maxReplicas hands replica ownership to the HPA. */
    minReplicas: z.int().min(1).max(1000).optional(),
    /** HPA upper bound. */
    maxReplicas: z.int().min(1).max(1000).optional(),
    /** HPA CPU utilisation target in percent of requests. Default 70. */
    targetCpuUtilization: z.int().min(1).max(100).default(70),
    /** HPA memory utilisation target in percent of requests; unset means CPU only. */
    targetMemoryUtilization: z.int().min(1).max(100).optional(),
    /** Seconds the HPA waits before scaling down. Default 300. */
    scaleDownStabilizationSeconds: z.int().min(0).max(3600).default(300),
    /** Requests and limits. */
    resources: resourcesSchema.default(defaultResources),
    /** Health endpoints used by the probes and by `mcp-ops health`. */
    health: z
        .strictObject({
            path: httpPath.default("/health"),
            readinessPath: httpPath.optional(),
            /** MCP Streamable HTTP endpoint, checked with initialize + tools/list. */
            mcpPath: httpPath.default("/mcp"),
        })
        .default({ path: "/health", mcpPath: "/mcp" }),
    /** Plain environment variables. */
    env: z.record(envName, z.string()).default({}),
    /** Environment variables taken from rotated secrets: ENV_NAME -> secret name. */
    secretEnv: z.record(envName, z.string()).default({}),
    /** MCP tools the server must expose (checked by `mcp-ops health` and the prober). */
    tools: z.array(z.string().min(1)).default([]),
    /**
     * The tool catalog as reviewed (`mcp-ops tools lock`): each tool's hashes of its input schema and
     * description. The prober and `mcp-ops health` report tools missing, added or changed against it.
     */
    toolLock: z.record(z.string().min(1), toolFingerprint).optional(),
    /** A secret (in mcp:secrets) holding the bearer token the prober presents: tool lists may differ by caller. */
    probeTokenSecret: z.string().min(1).optional(),
    /** Services and stores ("redis", "postgres") this service may call. */
    calls: z.array(z.string()).default([]),
    /** Connection tuning written into the service's ConfigMap. */
    tuning: tuningSchema.default(tuningSchema.parse({})),
    /** Bumped by `mcp-ops restart`: a change rolls the pods and nothing else. */
    restartEpoch: z.int().min(0).default(0),
    /** Nodes its pods may run on (nodeSelector) and taints they tolerate. Default anywhere. */
    placement: placementSchema.optional(),
});

const externalEndpoint = z.strictObject({
    host: z.string().min(1),
    port,
    tls: z.boolean().default(true),
});

/** Requests and limits of an in-cluster store unless its config says otherwise. */
export const STORE_RESOURCES_DEFAULT = { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } };

const storeResources = z.strictObject({
    /** Persistent volume size. */
    storage: storageQuantity.default("8Gi"),
    /** StorageClass; unset means the cluster default. */
    storageClass: z.string().optional(),
    resources: resourcesSchema.default(STORE_RESOURCES_DEFAULT),
    /** Nodes the store's pod may run on and taints it tolerates (in-cluster only). Default anywhere. */
    placement: placementSchema.optional(),
});

/** Two TTL rules for one prefix would leave which one applies to the order they are read in. */
function refuseDuplicatePrefixes(rules: Array<{ prefix: string }>, ctx: z.RefinementCtx): void {
    const seen = new Set<string>();
    for (const [i, { prefix }] of rules.entries()) {
        if (seen.has(prefix))
            ctx.addIssue({
                code: "custom",
                path: [i, "prefix"],
                message: `repeats prefix "${prefix}"; keep one rule per prefix`,
                input: prefix,
            });
        seen.add(prefix);
    }
}

export const redisSchema = z.strictObject({
    /** "in-cluster" runs a StatefulSet; "external" points at a managed endpoint. Default in-cluster. */
    mode: z.enum(["in-cluster", "external"]).default("in-cluster"),
    image: imageRef.default("redis:7.4.2-alpine"),
    ...storeResources.shape,
    /** Redis maxmemory in Redis's units, e.g. "768mb" or "512m"; keep it below the memory limit. Default "768mb". */
    maxmemory: redisSize.default("768mb"),
    maxmemoryPolicy: redisPolicy.default("allkeys-lru"),
    appendonly: z.boolean().default(true),
    /** TTLs `mcp-ops redis cache-policy` applies by key prefix (it only ever shortens a TTL). */
    ttlRules: z
        .array(z.strictObject({ prefix: z.string().min(1), ttlSeconds: z.int().min(1).max(31_536_000) }))
        .superRefine(refuseDuplicatePrefixes)
        .default([
            { prefix: "session:", ttlSeconds: 3600 },
            { prefix: "cache:", ttlSeconds: 300 },
        ]),
    /** Used when mode is "external"; the password comes from the secret config key mcp:redisPassword. */
    external: externalEndpoint.optional(),
});

export const postgresSchema = z.strictObject({
    mode: z.enum(["in-cluster", "external"]).default("in-cluster"),
    image: imageRef.default("postgres:16.6-alpine"),
    ...storeResources.shape,
    database: postgresDatabase.default("mcp"),
    user: postgresRole.default("mcp"),
    /** Server parameters (memory, connections, autovacuum, timeouts) for the in-cluster server; see config/postgresSettings.ts. */
    settings: postgresSettingsSchema.default({}),
    /** Used when mode is "external"; the password comes from the secret config key mcp:postgresPassword. */
    external: externalEndpoint.optional(),
});

export const backupsSchema = z.strictObject({
    enabled: z.boolean().default(true),
    /** "s3" needs mcp:aws.enabled; "volume" keeps backups on a PersistentVolume. Default volume. */
    destination: z.enum(["s3", "volume"]).default("volume"),
    redisSchedule: cronSchedule.default("0 */6 * * *"),
    postgresSchedule: cronSchedule.default("30 2 * * *"),
    /** The restore drill of the newest backup of each store: monthly by default (the 1st, 05:00). */
    drillSchedule: cronSchedule.default("0 5 1 * *"),
    /** Days a backup is kept (bucket lifecycle or volume pruning). Default 14. */
    retentionDays: z.int().min(1).max(3650).default(14),
    /** Size of the backup volume when destination is "volume". Default 20Gi. */
    volumeSize: storageQuantity.default("20Gi"),
    /** Image with the AWS CLI for uploads. */
    uploaderImage: imageRef.default("amazon/aws-cli:2.22.35"),
    /** Image with mcp-ops and a pg_dump at least as new as the server: the PostgreSQL backup runs `mcp-ops postgres backup`. */
    opsImage: imageRef.default(MCP_OPS_IMAGE),
    /** Seconds a backup Job may run before it is killed. Default 3600. */
    activeDeadlineSeconds: z.int().min(60).max(86400).default(3600),
    /** Seconds after its schedule a missed run may still start. Default 600. */
    startingDeadlineSeconds: z.int().min(10).max(86400).default(600),
    /** Nodes the backup jobs may run on and taints they tolerate. Default anywhere. */
    placement: placementSchema.optional(),
});

export const awsSchema = z.strictObject({
    /** Declares the AWS parts (backup bucket, IAM role). Must be false on the local stack. */
    enabled: z.boolean().default(false),
    region: z
        .string()
        .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'must be an AWS region such as "eu-west-1"' })
        .optional(),
    /** Explicit bucket name; unset lets Pulumi name it. */
    bucketName: z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "must be a valid S3 bucket name" })
        .optional(),
    /** The cluster's IAM OIDC provider, for the backup job's service account role. */
    oidcProviderArn: z
        .string()
        .regex(/^arn:aws:iam::\d{12}:oidc-provider\/.+$/, { error: "must be an IAM OIDC provider ARN" })
        .optional(),
    /** The OIDC issuer host and path without scheme, e.g. oidc.eks.eu-west-1.amazonaws.com/id/ABC. */
    oidcIssuer: z
        .string()
        .regex(/^[^:/]+\/.+$/, { error: "must be the issuer host and path without https://" })
        .optional(),
});

export const tlsSchema = z.strictObject({
    enabled: z.boolean().default(true),
    /** selfSigned or ca for local and staging, acme for production. */
    issuer: z.enum(["selfSigned", "ca", "acme"]).default("selfSigned"),
    dnsNames: z
        .array(
            z.string().regex(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: "must be a DNS name" }),
        )
        .default([]),
    duration: goDuration.default("2160h"),
    renewBefore: goDuration.default("360h"),
    /** ACME account and solver; required when issuer is "acme". */
    acme: z
        .strictObject({
            email: z.email({ error: "must be an e-mail address" }),
            server: z.url({ error: "must be a URL" }).default("https://acme-v02.api.letsencrypt.org/directory"),
            ingressClassName: z.string().default("nginx"),
        })
        .optional(),
});

export const secretSchema = z.strictObject({
    /** Length of the generated value. Default 32. */
    length: z.int().min(16).max(128).default(32),
    /** The newest generation of the value; `mcp-ops rotate` bumps it when it adds a new value. */
    rotationEpoch: z.int().min(0).default(0),
    /**
     * A rotation under way (written by `mcp-ops rotate`, absent otherwise): generation `from` and
     * `rotationEpoch` are both accepted; consumers still use `from` ("added") or already use the new
     * one ("rolled", since `rolledAt`, in seconds since 1970 UTC: a date would reach the program as
     * whatever the YAML parser makes of a timestamp). Retiring `from` removes this.
     */
    rotation: z
        .strictObject({
            phase: z.enum(["added", "rolled"]),
            from: z.int().min(0),
            rolledAt: z.int().min(0).optional(),
        })
        .optional(),
    /**
     * Seconds after consumers rolled before the previous value may be retired: the longest a client
     * keeps a credential (for a signing key, a token's lifetime).
     */
    retireAfterSeconds: z
        .int()
        .min(0)
        .max(30 * 24 * 3600)
        .default(60),
});

export const securitySchema = z.strictObject({
    /** Emergency lockdown: only trusted sources reach any pod. */
    lockdown: z.boolean().default(false),
    /** CIDRs treated as trusted during lockdown (pods labelled mcp.platform/trusted=true always are). */
    trustedCidrs: z.array(cidr).default([]),
    /** Who may reach the gateway: namespaces (e.g. the ingress controller's) and CIDRs. */
    gatewayIngress: z
        .strictObject({
            namespaces: z.array(namespaceName).default([]),
            cidrs: z.array(cidr).default([]),
        })
        .default({ namespaces: [], cidrs: [] }),
    rateLimit: z
        .strictObject({
            enabled: z.boolean().default(true),
            rps: z.int().min(1).max(1_000_000).default(100),
            burst: z.int().min(1).max(1_000_000).default(200),
        })
        .default({ enabled: true, rps: 100, burst: 200 }),
    circuitBreaker: z
        .strictObject({
            enabled: z.boolean().default(true),
            errorThresholdPercent: z.int().min(1).max(100).default(50),
            openSeconds: z.int().min(1).max(3600).default(30),
            halfOpenRequests: z.int().min(1).max(1000).default(5),
        })
        .default({ enabled: true, errorThresholdPercent: 50, openSeconds: 30, halfOpenRequests: 5 }),
});

export const monitoringSchema = z.strictObject({
    /** PrometheusRule and ServiceMonitors; switch off where the Prometheus operator is absent. */
    enabled: z.boolean().default(true),
    /** Namespace Prometheus scrapes from; its pods may reach metrics ports. */
    prometheusNamespace: namespaceName.default("monitoring"),
    /** Base of the runbook links in alert annotations. */
    runbookBaseUrl: z.string().min(1).default("docs/runbook.md"),
    /** The prober's image (this project's mcp-ops, pinned); it runs `mcp-ops health --serve` on the MCP servers. */
    proberImage: imageRef.default(MCP_OPS_IMAGE),
    /** Seconds between the prober's rounds of checks. */
    probeIntervalSeconds: z.int().min(5).max(3600).default(30),
    /** postgres_exporter's image, pinned; the alerts read the metric names of this release. */
    postgresExporterImage: imageRef.default("prometheuscommunity/postgres-exporter:v0.17.1"),
    /** redis_exporter's image, pinned; the alerts read the metric names of this release. */
    redisExporterImage: imageRef.default("oliver006/redis_exporter:v1.78.0"),
    /** Nodes the prober and the exporters may run on and taints they tolerate. Default anywhere. */
    placement: placementSchema.optional(),
});

/** Upper bounds ops commands refuse to exceed. */
export const guardrailsSchema = z.strictObject({
    maxReplicas: z.int().min(1).max(1000).default(50),
    maxCpu: cpuQuantity.default("8"),
    maxMemory: memoryQuantity.default("32Gi"),
});

export const platformConfigSchema = z.strictObject({
    /** Which kind of stack this is; production asks for stronger confirmation in ops. */
    environment: z.enum(["local", "staging", "production"]),
    namespace: platformNamespace.default("mcp-system"),
    services: z.record(serviceName, serviceSchema),
    redis: redisSchema.default(redisSchema.parse({})),
    postgres: postgresSchema.default(postgresSchema.parse({})),
    backups: backupsSchema.default(backupsSchema.parse({})),
    aws: awsSchema.default(awsSchema.parse({})),
    tls: tlsSchema.default(tlsSchema.parse({})),
    secrets: z.record(serviceName, secretSchema).default({}),
    security: securitySchema.default(securitySchema.parse({})),
    monitoring: monitoringSchema.default(monitoringSchema.parse({})),
    guardrails: guardrailsSchema.default(guardrailsSchema.parse({})),
    /** Writers (services that call a store) run zero replicas while on, e.g. for a restore. */
    maintenance: z.boolean().default(false),
});

export type PlatformConfig = z.infer<typeof platformConfigSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type RedisConfig = z.infer<typeof redisSchema>;
export type PostgresConfig = z.infer<typeof postgresSchema>;
export type BackupsConfig = z.infer<typeof backupsSchema>;
export type AwsConfig = z.infer<typeof awsSchema>;
export type TlsConfig = z.infer<typeof tlsSchema>;
export type SecretConfig = z.infer<typeof secretSchema>;
export type SecurityConfig = z.infer<typeof securitySchema>;
export type MonitoringConfig = z.infer<typeof monitoringSchema>;
export type ToolFingerprint = z.infer<typeof toolFingerprint>;
export type Resources = z.infer<typeof resourcesSchema>;

/** The stores a service may name in `calls`. */
export const STORES = ["redis", "postgres"] as const;
export type StoreName = (typeof STORES)[number];

/** Secrets every platform has; config may set their length and epoch. */
export const BUILT_IN_SECRETS = ["redis-password", "postgres-password", "gateway-jwt-signing-key"] as const;

/** Secret config keys, read with requireSecret and never parsed with the plain config. */
export const SECRET_CONFIG_KEYS = ["redisPassword", "postgresPassword"] as const;
