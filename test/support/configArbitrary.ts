import fc from "fast-check";
import { memoryBytes } from "../../config/quantities";

const memoryOf = (quantity: string) => memoryBytes(quantity) ?? 0;

/**
 * Raw `mcp:` stack configs generated from the schema's own rules (config/schema.ts and
 * semantics.ts): service counts and names, replicas or HPA bounds, resources, call graphs,
 * stores in-cluster or external, TLS issuers, backups, lockdown, maintenance. Values reach the
 * edges the schema allows (63-character names, odd but legal quantities, any cron field, any
 * CIDR its pattern admits), because the point is to find what the schema accepts and the API
 * server or the program does not.
 */

const letters = "abcdefghijklmnopqrstuvwxyz";
const tail = `${letters}0123456789-`;

/** A DNS label of 1 to 63 characters, as the schema's pattern admits. */
const dnsLabel = (maxLength = 63) =>
    fc
        .tuple(
            fc.constantFrom(...letters),
            fc.string({ unit: fc.constantFrom(...tail), maxLength: maxLength - 2 }),
            fc.constantFrom(...letters, ..."0123456789"),
        )
        .map(([first, middle, last]) => (middle.length === 0 && Math.random() < 0.3 ? first : `${first}${middle}${last}`));

/** Names the program itself uses for objects, policies and labels; a config may try any of them. */
const PROGRAM_NAMES = [
    "redis",
    "postgres",
    "backup",
    "backups",
    "default-deny",
    "allow-dns-egress",
    "emergency-lockdown",
    "gateway-tls",
    "mcp-platform-alerts",
];

const serviceName = fc.oneof({ weight: 6, arbitrary: dnsLabel(63) }, { weight: 1, arbitrary: fc.constantFrom(...PROGRAM_NAMES) });

/** A CPU amount in millicores, written the ways Kubernetes reads it: "250m", "2", "0.25". */
const cpuText = (millis: number) =>
    fc.constantFrom(
        `${millis}m`,
        ...(millis % 1000 === 0 ? [String(millis / 1000)] : []),
        ...(millis % 10 === 0 ? [String(millis / 1000)] : []),
    );
/** A memory amount in KiB, written with binary or decimal units, or as a decimal fraction. */
const memoryText = (kib: number) =>
    fc.constantFrom(
        `${kib}Ki`,
        `${kib * 1024}`,
        ...(kib % 1024 === 0 ? [`${kib / 1024}Mi`] : []),
        ...(kib % (1024 * 1024) === 0 ? [`${kib / (1024 * 1024)}Gi`] : []),
        ...(kib % 512 === 0 ? [`${kib / 1024}Mi`] : []),
        ...(kib % 1000 === 0 ? [`${(kib * 1024) / 1000}k`] : []),
    );
/** Requests at most the limits, limits within the default guardrails (8 cores, 32Gi). */
const resources = fc
    .record({ cpuLimit: fc.integer({ min: 1, max: 8000 }), memoryLimit: fc.integer({ min: 6 * 1024, max: 32 * 1024 * 1024 }) })
    .chain(({ cpuLimit, memoryLimit }) =>
        fc
            .record({ cpuRequest: fc.integer({ min: 1, max: cpuLimit }), memoryRequest: fc.integer({ min: 1024, max: memoryLimit }) })
            .chain(({ cpuRequest, memoryRequest }) =>
                fc.record({
                    requests: fc.record({ cpu: cpuText(cpuRequest), memory: memoryText(memoryRequest) }),
                    limits: fc.record({ cpu: cpuText(cpuLimit), memory: memoryText(memoryLimit) }),
                }),
            ),
    );
const memory = fc.integer({ min: 1, max: 64 * 1024 * 1024 }).chain(memoryText);

/** Cron fields inside their bounds, as every shape the schedule syntax allows. */
const cronField = (min: number, max: number) =>
    fc.oneof(
        fc.constant("*"),
        fc.integer({ min, max }).map(String),
        fc.integer({ min: 1, max: max + 1 }).map((n) => `*/${n}`),
        fc.integer({ min, max }).chain((a) => fc.integer({ min: a, max }).map((b) => `${a}-${b}`)),
        fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${a},${b}`),
    );
const cron = fc
    .tuple(cronField(0, 59), cronField(0, 23), cronField(1, 31), cronField(1, 12), cronField(0, 6))
    .map((fields) => fields.join(" "));

const octet = fc.integer({ min: 0, max: 255 });
const cidr = fc.oneof(
    fc.tuple(octet, octet, octet, octet, fc.integer({ min: 0, max: 32 })).map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}/${p}`),
    fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 128 })).map(([h, p]) => `fd00:${h.toString(16)}::/${p}`),
);

const envName = fc.oneof(
    fc.stringMatching(/^[A-Z][A-Z0-9_]{0,20}$/),
    fc.constantFrom("REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "DATABASE_HOST", "DATABASE_PASSWORD", "ROUTER_URL"),
);

/** A Go duration of `minutes`, as "90m", "1h30m" or "2h". */
const goDuration = (minutes: number) =>
    fc.constantFrom(`${minutes}m`, `${Math.floor(minutes / 60)}h${minutes % 60}m`, ...(minutes % 60 === 0 ? [`${minutes / 60}h`] : []));
/** A certificate lifetime and a renewal window shorter than it. */
const certificateTimes = fc
    .integer({ min: 60, max: 9000 * 60 })
    .chain((life) =>
        fc.integer({ min: 5, max: life - 1 }).chain((renew) => fc.record({ duration: goDuration(life), renewBefore: goDuration(renew) })),
    );

const service = (name: string, others: string[], minimumReplicas: number) =>
    fc
        .record(
            {
                port: fc.integer({ min: 1024, max: 65535 }),
                metricsPort: fc.option(fc.integer({ min: 1024, max: 65535 }), { nil: undefined }),
                scaling: fc.oneof(
                    fc.record({ replicas: fc.integer({ min: minimumReplicas, max: 6 }) }),
                    fc
                        .integer({ min: Math.max(1, minimumReplicas), max: 4 })
                        .chain((min) => fc.record({ minReplicas: fc.constant(min), maxReplicas: fc.integer({ min, max: 8 }) })),
                    ...(minimumReplicas <= 1 ? [fc.constant({})] : []),
                ),
                resources: fc.option(resources, { nil: undefined }),
                env: fc.dictionary(envName, fc.string({ maxLength: 8 }), { maxKeys: 2 }),
                secretEnv: fc.dictionary(
                    envName.map((n) => `SECRET_${n}`),
                    fc.constantFrom("redis-password", "postgres-password", "gateway-jwt-signing-key"),
                    { maxKeys: 1 },
                ),
                tools: fc.uniqueArray(fc.stringMatching(/^[a-z_]{1,12}$/), { maxLength: 3 }),
                calls: fc.subarray([...others, "redis", "postgres"]),
                restartEpoch: fc.nat(3),
            },
            { requiredKeys: ["port", "scaling", "env", "secretEnv", "tools", "calls", "restartEpoch"] },
        )
        .map(({ scaling, ...s }) => ({ image: `registry.example/${name}:1.0.${s.port % 10}`, ...s, ...scaling }));

const store = fc.oneof(
    fc.record(
        { mode: fc.constant("in-cluster"), storage: memory, resources: resources.filter((r) => memoryOf(r.limits.memory) > 800 * 2 ** 20) },
        { requiredKeys: ["mode"] },
    ),
    fc.record({
        mode: fc.constant("external"),
        external: fc.record({ host: fc.constantFrom("db.example.internal", "10.0.0.5"), port: fc.integer({ min: 1, max: 65535 }) }),
    }),
);

/** A whole raw config; AWS settings come with it wherever backups go to S3. */
export const rawConfigArbitrary = fc
    .tuple(fc.constantFrom("local", "staging", "production"), fc.uniqueArray(serviceName, { minLength: 0, maxLength: 3 }))
    .chain(([environment, servers]) => {
        const names = ["gateway", "router", ...servers.filter((s) => s !== "gateway" && s !== "router")];
        // Production runs the entry points with at least two pods (config/semantics.ts).
        const floor = (n: string) => (environment === "production" && (n === "gateway" || n === "router") ? 2 : 0);
        const services = fc
            .tuple(
                ...names.map((n) =>
                    service(
                        n,
                        names.filter((o) => o !== n),
                        floor(n),
                    ),
                ),
            )
            .map((list) => Object.fromEntries(names.map((n, i) => [n, list[i]])));
        const alwaysInProduction = environment === "production" ? fc.constant(true) : fc.boolean();
        const s3 = environment === "production" ? fc.boolean() : fc.constant(false);
        return fc.record({
            environment: fc.constant(environment),
            namespace: dnsLabel(63),
            services,
            redis: store,
            postgres: store,
            s3,
            backups: fc.record({
                enabled: alwaysInProduction,
                redisSchedule: cron,
                postgresSchedule: cron,
                retentionDays: fc.integer({ min: 1, max: 90 }),
                volumeSize: memory,
            }),
            tls: fc
                .record({
                    enabled: alwaysInProduction,
                    issuer: environment === "production" ? fc.constant("acme") : fc.constantFrom("selfSigned", "ca"),
                    dnsNames: fc.constant(["gateway.example.test"]),
                    times: certificateTimes,
                })
                .map(({ times, ...tls }) => ({ ...tls, ...times })),
            security: fc.record({
                lockdown: fc.boolean(),
                trustedCidrs: fc.array(cidr, { maxLength: 2 }),
                rateLimit: fc
                    .integer({ min: 1, max: 1000 })
                    .chain((rps) => fc.record({ rps: fc.constant(rps), burst: fc.integer({ min: rps, max: 2000 }) })),
            }),
            monitoring: fc.record({ enabled: fc.boolean(), prometheusNamespace: dnsLabel(63) }),
            maintenance: fc.boolean(),
        });
    })
    .map(({ s3, tls, backups, ...rest }) => {
        const raw: Record<string, unknown> = { ...rest, backups: { ...backups, destination: s3 ? "s3" : "volume" } };
        raw.tls = tls.issuer === "acme" ? { ...tls, acme: { email: "ops@example.test" } } : tls;
        if (s3) {
            raw.aws = {
                enabled: true,
                region: "eu-west-1",
                oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
                oidcIssuer: "oidc.eks.eu-west-1.amazonaws.com/id/ABC",
            };
        }
        return raw;
    });
