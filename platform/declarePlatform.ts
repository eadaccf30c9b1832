import * as pulumi from "@pulumi/pulumi";
import { ALERT_RULES } from "../components/alertRules";
import { Alerts } from "../components/alerts";
import { type BackupDestination, Backups } from "../components/backups";
import { GatewayCertificate } from "../components/certificates";
import { ExternalSecret } from "../components/externalSecret";
import { McpService, serviceUrl } from "../components/mcpService";
import { NamespaceBaseline } from "../components/networkBaseline";
import { Postgres } from "../components/postgres";
import { PostgresExporter, sslModeOf } from "../components/postgresExporter";
import { Redis } from "../components/redis";
import { RedisExporter, redisSchemeOf } from "../components/redisExporter";
import { RotatedSecret } from "../components/rotatedSecret";
import type { SecretRef } from "../components/secretRef";
import { Prober } from "../components/prober";
import {
    backupDrillTraffic,
    backupTraffic,
    credentialsTraffic,
    postgresExporterTraffic,
    proberTraffic,
    redisExporterTraffic,
    runsPostgresExporter,
    runsProber,
    runsRedisExporter,
    serviceTraffic,
    storeTraffic,
} from "../components/traffic";
import { mcpServers, probeConfig, probeTokenEnv } from "../config/probeTargets";
import { type PlatformConfig, type StoreName, STORES } from "../config/schema";
import { generationsOf } from "./credentialGenerations";
import { waitForCredentials } from "./waitForCredentials";
import { declareS3Destination } from "./s3BackupDestination";
import { takeFieldOwnership } from "./fieldOwnership";
import { STORE_SECRET } from "./secretUse";
import { isWriter, serviceTuning } from "./tuning";

/** Credentials of external stores, from secret config keys; only read when a store is external. */
export interface ExternalCredentials {
    redisPassword?: pulumi.Output<string>;
    postgresPassword?: pulumi.Output<string>;
}

/** What the stack exports: names and addresses, never secret values. */
export interface PlatformOutputs {
    namespace: pulumi.Output<string>;
    services: Record<string, { url: pulumi.Output<string>; deployment: pulumi.Output<string>; replicas: string }>;
    redis: { host: pulumi.Output<string>; port: number };
    postgres: { host: pulumi.Output<string>; port: number; database: string };
    backups?: { destination: string; cronJobs: Record<string, pulumi.Output<string>>; bucket?: pulumi.Output<string> };
    tls?: { secretName: pulumi.Output<string>; certificate: pulumi.Output<string> };
    lockdown: boolean;
    maintenance: boolean;
}

const roleOf = (name: string) => (name === "gateway" || name === "router" ? name : "mcp-server");

/**
 * Declares the platform from validated config. `index.ts` and the Automation API both call it.
 * `onlyServices`: the program of a change scoped to these services (ops/plan/scope.ts) declares
 * them and every shared component but not the rest of the fleet, whose resources the engine, not
 * targeted, carries over as recorded; the stack's outputs stay the same either way.
 */
export function declarePlatform(
    config: PlatformConfig,
    credentials: ExternalCredentials = {},
    onlyServices?: readonly string[],
): PlatformOutputs {
    const owned: pulumi.ComponentResourceOptions = { transformations: [takeFieldOwnership] };
    const baseline = new NamespaceBaseline(
        "platform",
        {
            namespace: config.namespace,
            lockdown: config.security.lockdown,
            trustedCidrs: config.security.trustedCidrs,
        },
        owned,
    );
    const namespace = baseline.namespace;

    const secrets: Record<string, SecretRef> = {};
    for (const [name, secret] of Object.entries(config.secrets)) {
        const external = externalCredential(config, name, credentials);
        secrets[name] = external
            ? new ExternalSecret(name, { namespace, value: external, rotationEpoch: secret.rotationEpoch }, owned)
            : new RotatedSecret(name, { namespace, config: secret }, owned);
    }

    const credentialsJob = (store: StoreName) => ({
        image: config.backups.opsImage,
        generations: generationsOf(config.secrets[STORE_SECRET[store]]),
        traffic: credentialsTraffic(config, store),
    });
    const redis = new Redis(
        "redis",
        {
            namespace,
            config: config.redis,
            password: secrets[STORE_SECRET.redis],
            traffic: storeTraffic(config, "redis"),
            credentials: credentialsJob("redis"),
        },
        owned,
    );
    const postgres = new Postgres(
        "postgres",
        {
            namespace,
            config: config.postgres,
            password: secrets[STORE_SECRET.postgres],
            traffic: storeTraffic(config, "postgres"),
            credentials: credentialsJob("postgres"),
        },
        owned,
    );
    // Whoever reads a store's password waits for the store to accept it.
    const usesStores = (stores: readonly string[]): pulumi.ComponentResourceOptions => {
        const byStore = { redis, postgres };
        const jobs = STORES.filter((store) => stores.includes(store)).flatMap((store) => byStore[store].credentialsApplied ?? []);
        return { transformations: [takeFieldOwnership, waitForCredentials(jobs)] };
    };

    const tls = config.tls.enabled ? new GatewayCertificate("gateway-tls", { namespace, config: config.tls }, owned) : undefined;

    const services: PlatformOutputs["services"] = {};
    for (const [name, service] of Object.entries(config.services)) {
        const stopped = config.maintenance && isWriter(config, name);
        const autoscaling =
            !stopped && service.minReplicas !== undefined && service.maxReplicas !== undefined
                ? {
                      minReplicas: service.minReplicas,
                      maxReplicas: service.maxReplicas,
                      targetCpuUtilization: service.targetCpuUtilization,
                      targetMemoryUtilization: service.targetMemoryUtilization,
                      scaleDownStabilizationSeconds: service.scaleDownStabilizationSeconds,
                  }
                : undefined;
        const replicas = stopped ? 0 : service.replicas;
        const replicaOutput = autoscaling ? `hpa ${autoscaling.minReplicas}-${autoscaling.maxReplicas}` : String(replicas ?? 1);
        if (onlyServices && !onlyServices.includes(name)) {
            // The names McpService gives its Deployment and Service: the service's own.
            services[name] = { url: serviceUrl(name, namespace, service.port), deployment: pulumi.output(name), replicas: replicaOutput };
            continue;
        }
        const env: Record<string, pulumi.Input<string>> = { ...service.env };
        const secretEnv: Record<string, SecretRef> = {};
        for (const [envName, secretName] of Object.entries(service.secretEnv)) secretEnv[envName] = secrets[secretName];
        const storePasswords: Record<string, SecretRef> = {};
        for (const callee of service.calls) {
            if (callee === "redis") {
                Object.assign(env, { REDIS_HOST: redis.host, REDIS_PORT: String(redis.port) });
                storePasswords.REDIS_PASSWORD = secrets[STORE_SECRET.redis];
            } else if (callee === "postgres") {
                Object.assign(env, {
                    DATABASE_HOST: postgres.host,
                    DATABASE_PORT: String(postgres.port),
                    DATABASE_NAME: postgres.database,
                    DATABASE_USER: postgres.user,
                });
                storePasswords.DATABASE_PASSWORD = secrets[STORE_SECRET.postgres];
            } else {
                env[`${callee.toUpperCase().replace(/-/g, "_")}_URL`] = `http://${callee}:${config.services[callee].port}`;
            }
        }

        const component = new McpService(
            name,
            {
                namespace,
                role: roleOf(name),
                image: service.image,
                port: service.port,
                metricsPort: service.metricsPort,
                replicas,
                autoscaling,
                resources: service.resources,
                healthPath: service.health.path,
                readinessPath: service.health.readinessPath,
                env,
                secretEnv,
                storePasswords,
                tuning: serviceTuning(config, name),
                restartEpoch: service.restartEpoch,
                traffic: serviceTraffic(config, name),
                tlsSecretName: name === "gateway" ? tls?.secretName : undefined,
                placement: service.placement,
            },
            usesStores(service.calls),
        );
        services[name] = { url: component.url, deployment: component.deploymentName, replicas: replicaOutput };
    }

    const backups = config.backups.enabled ? declareBackups(config, namespace, redis, postgres, secrets, usesStores(STORES)) : undefined;

    if (runsProber(config)) {
        const tokens: Record<string, SecretRef> = {};
        for (const name of mcpServers(config)) {
            const secret = config.services[name].probeTokenSecret;
            if (secret) tokens[probeTokenEnv(name)] = secrets[secret];
        }
        new Prober(
            "prober",
            {
                namespace,
                image: config.monitoring.proberImage,
                probe: probeConfig(config),
                tokens,
                traffic: proberTraffic(config),
                placement: config.monitoring.placement,
            },
            owned,
        );
    }

    if (runsPostgresExporter(config)) {
        new PostgresExporter(
            "postgres-exporter",
            {
                namespace,
                image: config.monitoring.postgresExporterImage,
                host: postgres.host,
                port: postgres.port,
                database: postgres.database,
                user: postgres.user,
                password: secrets[STORE_SECRET.postgres],
                sslMode: sslModeOf(config.postgres),
                traffic: postgresExporterTraffic(config),
                placement: config.monitoring.placement,
            },
            usesStores(["postgres"]),
        );
    }

    if (runsRedisExporter(config)) {
        new RedisExporter(
            "redis-exporter",
            {
                namespace,
                image: config.monitoring.redisExporterImage,
                host: redis.host,
                port: redis.port,
                password: secrets[STORE_SECRET.redis],
                scheme: redisSchemeOf(config.redis),
                traffic: redisExporterTraffic(config),
                placement: config.monitoring.placement,
            },
            usesStores(["redis"]),
        );
    }

    if (config.monitoring.enabled) {
        new Alerts(
            "alerts",
            {
                namespace: config.namespace,
                runbookBaseUrl: config.monitoring.runbookBaseUrl,
                rules: ALERT_RULES.filter(
                    (rule) =>
                        (!rule.needsProber || runsProber(config)) &&
                        (!rule.needsPostgresExporter || runsPostgresExporter(config)) &&
                        (!rule.needsRedisExporter || runsRedisExporter(config)),
                ),
                scrapeTargets: Object.entries(config.services).map(([name, s]) => ({ name, metricsPort: s.metricsPort })),
            },
            { ...owned, dependsOn: [baseline] },
        );
    }

    return {
        namespace,
        services,
        redis: { host: redis.host, port: redis.port },
        postgres: { host: postgres.host, port: postgres.port, database: postgres.database },
        backups,
        tls: tls ? { secretName: tls.secretName, certificate: tls.certificateName } : undefined,
        lockdown: config.security.lockdown,
        maintenance: config.maintenance,
    };
}

function externalCredential(
    config: PlatformConfig,
    secretName: string,
    credentials: ExternalCredentials,
): pulumi.Output<string> | undefined {
    if (secretName === STORE_SECRET.redis && config.redis.mode === "external") {
        return required(credentials.redisPassword, "redisPassword");
    }
    if (secretName === STORE_SECRET.postgres && config.postgres.mode === "external") {
        return required(credentials.postgresPassword, "postgresPassword");
    }
    return undefined;
}

function required(value: pulumi.Output<string> | undefined, key: string): pulumi.Output<string> {
    if (value === undefined) {
        throw new Error(`mcp:${key} is required for an external store; set it with: pulumi config set --secret mcp:${key} <password>`);
    }
    return value;
}

function declareBackups(
    config: PlatformConfig,
    namespace: pulumi.Output<string>,
    redis: Redis,
    postgres: Postgres,
    secrets: Record<string, SecretRef>,
    owned: pulumi.ComponentResourceOptions,
): NonNullable<PlatformOutputs["backups"]> {
    let destination: BackupDestination;
    let bucket: pulumi.Output<string> | undefined;
    if (config.backups.destination === "s3") {
        ({ destination, bucketName: bucket } = declareS3Destination(config));
    } else {
        destination = { kind: "volume", size: config.backups.volumeSize };
    }

    const component = new Backups(
        "backups",
        {
            namespace,
            config: config.backups,
            redis: { host: redis.host, port: redis.port, image: config.redis.image, password: secrets[STORE_SECRET.redis] },
            postgres: {
                host: postgres.host,
                port: postgres.port,
                image: config.backups.opsImage,
                password: secrets[STORE_SECRET.postgres],
                database: postgres.database,
                user: postgres.user,
            },
            destination,
            traffic: backupTraffic(config),
            drillTraffic: backupDrillTraffic(config),
        },
        owned,
    );
    return { destination: destination.kind, cronJobs: component.cronJobs, bucket };
}
