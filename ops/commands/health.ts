import type { Command } from "commander";
import type { PlatformConfig } from "../../config/schema";
import { readFileSync } from "node:fs";
import { CHECK_DEFAULTS, componentTargets, mcpServers, type ProbeConfig, proberComponents } from "../../config/probeTargets";
import { EXIT, InvalidInputError } from "../errors";
import type { CommandContext } from "../commandLine/context";
import { collect, numberOption, withJson, withKubeconfig, withStack } from "../commandLine/flags";
import { print, report } from "../commandLine/output";
import { renderHealth } from "../health/render";
import { serveHealth } from "../health/serve";
import { checkHealth, type HealthReport } from "../health/health";
import { healthTargets, parseEndpoints, refuseUnknownServices } from "../health/targets";
import { readSecretValue } from "../kube/secrets";
import type { PostgresTarget } from "../postgres/connect";
import { postgresAddress } from "../postgres/target";
import { STORE_SECRET } from "../../platform/secretUse";
import { openHealthTunnels } from "../health/tunnels";
import { SIMULATED_NOTE } from "../kube/simulated";
import type { RedisTarget } from "../redis/connect";
import { redisTarget } from "../redis/target";

interface HealthFlags {
    stack: string;
    endpoint: string[];
    metricsEndpoint: string[];
    redisUrl?: string;
    redis: boolean;
    passwordEnv: string;
    postgresUrl?: string;
    postgres: boolean;
    postgresPasswordEnv: string;
    kubeconfig?: string;
    cluster: boolean;
    timeout: number;
    slow: number;
    watch: boolean;
    interval: number;
    count?: number;
    json: boolean;
    serve?: string;
    targets?: string;
    concurrency: number;
}

/**
 * `mcp-ops health`: REST /health and MCP initialize + tools/list on every MCP server, /health and
 * /metrics of the gateway and router, Redis, PostgreSQL and the workloads; exit 0/1/2.
 */
export function define(command: Command, ctx: CommandContext): void {
    withJson(
        withKubeconfig(withStack(command, "stack whose config names the servers"), "cluster to read workload readiness from"),
        "the report",
    )
        .option("--endpoint <name=url>", "reach a service at this base URL (repeatable), e.g. after kubectl port-forward", collect, [])
        .option("--metrics-endpoint <name=url>", "reach a service's metrics port at this base URL (repeatable)", collect, [])
        .option("--redis-url <url>", "check Redis at this URL instead of the stack's address")
        .option("--no-redis", "skip the Redis check")
        .option(
            "--password-env <var>",
            "environment variable holding the Redis password (else its Secret, read through the cluster)",
            "REDIS_PASSWORD",
        )
        .option("--postgres-url <url>", "check PostgreSQL at this postgres:// URL (no password in it) instead of the stack's address")
        .option("--no-postgres", "skip the PostgreSQL check")
        .option(
            "--postgres-password-env <var>",
            "environment variable holding the PostgreSQL password (else its Secret, read through the cluster)",
            "PGPASSWORD",
        )
        .option("--no-cluster", "skip the workload readiness check")
        .addOption(numberOption("--timeout <ms>", "per-check timeout").default(CHECK_DEFAULTS.timeoutMs))
        .addOption(numberOption("--slow <ms>", "a passing check slower than this degrades").default(CHECK_DEFAULTS.slowMs))
        .option("--watch", "repeat the checks until interrupted", false)
        .addOption(numberOption("--interval <s>", "seconds between checks with --watch").default(10))
        .addOption(numberOption("--count <n>", "stop --watch or --serve after this many rounds"))
        .option(
            "--serve <host:port>",
            "check every --interval seconds and serve the results as Prometheus metrics on /metrics (the prober)",
        )
        .option("--targets <file>", "with --serve: the servers to check, as the prober's ConfigMap lists them (default: the stack's)")
        .addOption(numberOption("--concurrency <n>", "servers checked at once").default(CHECK_DEFAULTS.concurrency))
        .action(async (o: HealthFlags) => {
            if (o.serve) return serve(o.serve, o, ctx);
            const config = ctx.config(o.stack);
            const reachable = ctx.kubeconfig(o.stack, o.kubeconfig);
            const password = (env: string, store: keyof typeof STORE_SECRET) => storePasswordForHealth(config, env, store, reachable);
            const redis = o.redis ? redisTarget(config, o.redisUrl, await password(o.passwordEnv, "redis")) : undefined;
            const postgres = o.postgres
                ? o.postgresUrl
                    ? { url: o.postgresUrl, password: await password(o.postgresPasswordEnv, "postgres") }
                    : { ...postgresAddress(config), password: await password(o.postgresPasswordEnv, "postgres") }
                : undefined;
            const kubeconfig = o.cluster ? reachable : undefined;
            const rounds = o.watch ? (o.count ?? Infinity) : 1;
            for (let round = 1; round <= rounds; round++) {
                const { report, exitCode } = await healthCommand({
                    config,
                    endpoint: o.endpoint,
                    metricsEndpoint: o.metricsEndpoint,
                    timeoutMs: o.timeout,
                    slowMs: o.slow,
                    redis,
                    redisUrlGiven: o.redisUrl !== undefined,
                    postgres,
                    postgresUrlGiven: o.postgresUrl !== undefined,
                    kubeconfig,
                    tunnelsThrough: reachable,
                });
                print(o.json, report, () => renderHealth(report));
                process.exitCode = exitCode;
                if (round < rounds) await new Promise((r) => setTimeout(r, o.interval * 1000));
            }
        });
}

/**
 * The prober: MCP servers only (Redis and the cluster have their own exporters), until SIGTERM or
 * --count rounds. In the cluster its targets come from the Prober component's ConfigMap.
 */
async function serve(address: string, o: HealthFlags, ctx: CommandContext): Promise<void> {
    const probe = o.targets ? readProbeConfig(o.targets) : undefined;
    const endpoints = parseEndpoints(o.endpoint);
    const servers = probe?.servers ?? healthTargets(ctx.config(o.stack), endpoints);
    const components = probe ? (probe.components ?? []) : proberComponents(ctx.config(o.stack), endpoints);
    const serving = await serveHealth({
        address,
        targets: servers,
        components,
        intervalMs: (probe?.intervalSeconds ?? o.interval) * 1000,
        timeoutMs: probe?.timeoutMs ?? o.timeout,
        slowMs: probe?.slowMs ?? o.slow,
        concurrency: probe?.concurrency ?? o.concurrency,
        rounds: o.count,
        onRound: (r) =>
            report(
                `${r.checkedAt} ${r.status}: ` +
                    ([...r.services, ...(r.components ?? [])].map((s) => `${s.name} ${s.status}`).join(", ") || "nothing to check"),
            ),
    });
    report(`checking ${servers.length} MCP server(s) and ${components.length} other service(s); metrics on ${serving.url}/metrics`);
    const stop = new Promise<void>((resolve) => {
        process.once("SIGTERM", resolve);
        process.once("SIGINT", resolve);
    });
    await Promise.race([serving.finished, stop]);
    await serving.close();
}

function readProbeConfig(file: string): ProbeConfig {
    let parsed: Partial<ProbeConfig>;
    try {
        parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<ProbeConfig>;
    } catch (error) {
        throw new InvalidInputError(`cannot read the probe targets ${file}: ${(error as Error).message}`);
    }
    if (!Array.isArray(parsed.servers)) throw new InvalidInputError(`${file} lists no "servers"; it is written by the Prober component`);
    return parsed as ProbeConfig;
}

export interface HealthCommandOptions {
    config: PlatformConfig;
    endpoint: string[];
    /** --metrics-endpoint flags: where a component's metrics port is reached. */
    metricsEndpoint?: string[];
    timeoutMs: number;
    slowMs: number;
    redis?: RedisTarget;
    postgres?: PostgresTarget;
    /** Kubeconfig of the cluster to read workload readiness from; none skips that check. */
    kubeconfig?: string;
    /** Kubeconfig to open tunnels through to the services (and stores) that have no --endpoint (--redis-url, --postgres-url). */
    tunnelsThrough?: string;
    redisUrlGiven?: boolean;
    postgresUrlGiven?: boolean;
}

export type HealthCommandReport = HealthReport & {
    /** How to reach each server that did not answer at its in-cluster address. */
    hints: string[];
    /** Components whose pods run on simulated nodes: nothing answers, so nothing was checked or counted. */
    notChecked: Array<{ name: string; reason: string }>;
};

/** One round of checks: the report and the exit code its overall status maps to. */
export async function healthCommand(options: HealthCommandOptions): Promise<{ report: HealthCommandReport; exitCode: number }> {
    const { config } = options;
    const endpoints = parseEndpoints(options.endpoint);
    const metricsEndpoints = parseEndpoints(options.metricsEndpoint ?? [], "--metrics-endpoint");
    const given = healthTargets(config, endpoints);
    refuseUnknownServices(config, metricsEndpoints, "--metrics-endpoint");
    const tunnels = options.tunnelsThrough
        ? await openHealthTunnels(config, given, options.tunnelsThrough, {
              endpoints,
              metricsEndpoints,
              components: true,
              redis: options.redis !== undefined && !options.redisUrlGiven,
              postgres: options.postgres !== undefined && !options.postgresUrlGiven,
          })
        : undefined;
    try {
        const targets = tunnels ? healthTargets(config, { ...endpoints, ...tunnels.endpoints }) : given;
        const simulated = tunnels?.simulated ?? {};
        const components = componentTargets(
            config,
            { ...endpoints, ...tunnels?.endpoints },
            { ...metricsEndpoints, ...tunnels?.metricsEndpoints },
        ).filter((c) => simulated[c.name] === undefined);
        const redis = options.redis && tunnels?.redis ? { ...options.redis, ...tunnels.redis } : options.redis;
        const postgres = options.postgres && tunnels?.postgres ? { ...options.postgres, ...tunnels.postgres } : options.postgres;
        const cluster = options.kubeconfig ? { kubeconfig: options.kubeconfig, namespace: config.namespace } : undefined;
        const report = await checkHealth(targets, {
            timeoutMs: options.timeoutMs,
            slowMs: options.slowMs,
            components,
            redis,
            postgres,
            cluster,
        });
        const exitCode = report.status === "HEALTHY" ? EXIT.ok : report.status === "DEGRADED" ? EXIT.degraded : EXIT.unhealthy;
        const reached = { ...endpoints, ...tunnels?.endpoints };
        const notChecked = Object.entries(simulated)
            .filter(([name]) => !mcpServers(config).includes(name))
            .map(([name, reason]) => ({ name, reason }));
        const hints = reachHints(config, report, reached, tunnels?.unreachable ?? {});
        return { report: { ...report, hints, notChecked }, exitCode };
    } finally {
        tunnels?.close();
    }
}

/**
 * A store's password for the health check: from the environment, else from the stack's Secret through
 * the cluster (the value the consumers use); none found leaves it to the check to say so.
 */
export async function storePasswordForHealth(
    config: PlatformConfig,
    env: string,
    store: keyof typeof STORE_SECRET,
    kubeconfig: string | undefined,
): Promise<string | undefined> {
    if (process.env[env] !== undefined) return process.env[env];
    if (!kubeconfig) return undefined;
    return readSecretValue(kubeconfig, config.namespace, STORE_SECRET[store]).catch(() => undefined);
}

/**
 * For every server checked at its in-cluster address that failed: whether its pods are simulated
 * (then nothing answers), why no port-forward could be opened to it, or, with no cluster known, the
 * exact port-forward and --endpoint that reach it from here.
 */
function reachHints(
    config: PlatformConfig,
    report: HealthReport,
    endpoints: Record<string, string>,
    unreachable: Record<string, string>,
): string[] {
    const failing = report.services.filter((s) => !(s.rest.ok && s.mcp.ok) && endpoints[s.name] === undefined);
    return failing.map((s, i) => {
        const port = config.services[s.name].port;
        const local = 18080 + i;
        const simulated = report.workloads?.some((w) => w.name === s.name && w.simulated);
        const reach =
            `kubectl -n ${config.namespace} port-forward svc/${s.name} ${local}:${port}, then --endpoint ` +
            `${s.name}=http://127.0.0.1:${local}`;
        if (simulated)
            return `${s.name}: ${SIMULATED_NOTE}, so no server answers there; check a running server with --endpoint ${s.name}=<url>`;
        // A tunnel was tried and could not be opened: its reason says what to look at.
        if (unreachable[s.name]) return `${s.name}: not reached through the cluster: ${unreachable[s.name]}`;
        return `${s.name}: reach it with ${reach}`;
    });
}
