import { z } from "zod";
import { cronProblem } from "./cron";
import { parseImageReference } from "./imageReference";
import { isDns1035Label, isDns1123Label, reservedNamespaceReason } from "./kubernetesNames";
import { postgresDatabaseProblem, postgresRoleProblem } from "./postgresNames";
import { cpuCores, kubeQuantity, memoryBytes, redisBytes } from "./quantities";

/**
 * Single config values, each judged by the rule of the system that receives it (the API server,
 * redis-server, PostgreSQL, the container runtime). test/integration/configReceivers.test.ts holds
 * the receiver-facing ones against the real servers; where a value the receiver takes would still
 * break the platform, the message says why.
 */

function checked(problem: (value: string) => string | undefined) {
    return z.string().superRefine((value, ctx) => {
        const message = problem(value);
        if (message) ctx.addIssue({ code: "custom", message, input: value });
    });
}

/** A Service (and everything named after it): a DNS-1035 label. */
export const serviceName = z.string().refine(isDns1035Label, {
    error: "must be a DNS-1035 label (lower-case letters, digits, '-', starting with a letter, at most 63 characters)",
});

/** A namespace name as the API server takes it: a DNS-1123 label. */
export const namespaceName = z.string().refine(isDns1123Label, {
    error: "must be a DNS-1123 label (lower-case letters, digits, '-', starting and ending with a letter or digit, at most 63 characters)",
});

/** The namespace the platform is declared into: a namespace name the cluster does not keep for itself. */
export const platformNamespace = namespaceName.superRefine((name, ctx) => {
    const reason = reservedNamespaceReason(name);
    if (reason) ctx.addIssue({ code: "custom", message: `must not be "${name}": ${reason}; choose a namespace of its own`, input: name });
});

const QUANTITY_FORM = "a number, optionally with a unit (m, k, M, G, Ki, Mi, Gi, ...) or an exponent (e3)";

/** Kubernetes CPU quantity: "500m", "2", "1.5", "0.25". */
export const cpuQuantity = z
    .string()
    .refine((q) => cpuCores(q) !== undefined, { error: `must be a CPU quantity such as "250m" or "2" (${QUANTITY_FORM}, not negative)` });

/** Kubernetes memory quantity: "512Mi", "2Gi", "1G", "1000000". */
export const memoryQuantity = z.string().refine((q) => memoryBytes(q) !== undefined, {
    error: `must be a memory quantity such as "256Mi" or "2Gi" (${QUANTITY_FORM}, not negative)`,
});

/** A volume's size: a quantity above zero, as PersistentVolumeClaim validation demands. */
export const storageQuantity = z
    .string()
    .refine((q) => (kubeQuantity(q) ?? 0) > 0, { error: `must be a storage size such as "8Gi" (${QUANTITY_FORM}, above zero)` });

/** CronJob schedule, as the API server parses it. */
export const cronSchedule = checked((schedule) => {
    const problem = cronProblem(schedule);
    return problem && `must be a cron schedule such as "0 */6 * * *" or "@daily" (${problem})`;
});

/** An image reference by the OCI distribution grammar; pinning (tag or digest, never latest) is checked in semantics.ts. */
export const imageRef = checked((image) => {
    const parsed = parseImageReference(image);
    return "problem" in parsed ? parsed.problem : undefined;
});

/** A Redis size as redis-server reads it: "768mb", "512m", "1gb", "1073741824". */
export const redisSize = z.string().refine((size) => redisBytes(size) !== undefined, {
    error: 'must be a Redis size such as "768mb", "512m" or "1gb" (k, m, g are powers of 1000; kb, mb, gb of 1024)',
});

export const REDIS_POLICIES = [
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "volatile-lru",
    "volatile-lfu",
    "allkeys-random",
    "volatile-random",
    "volatile-ttl",
] as const;

/** maxmemory-policy, in any case as redis-server takes it, kept in lower case. */
export const redisPolicy = z
    .string()
    .transform((policy) => policy.toLowerCase())
    .pipe(z.enum(REDIS_POLICIES, { error: `must be a Redis maxmemory-policy: ${REDIS_POLICIES.join(", ")}` }));

/** A PostgreSQL database name, as the platform creates it (quoted). */
export const postgresDatabase = checked((name) => {
    const problem = postgresDatabaseProblem(name);
    return problem && `must be a PostgreSQL database name: it ${problem}`;
});

/** The PostgreSQL owner role's name, as the platform creates it (quoted). */
export const postgresRole = checked((name) => {
    const problem = postgresRoleProblem(name);
    return problem && `must be a PostgreSQL role name: it ${problem}`;
});
