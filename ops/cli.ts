import { Command, CommanderError, Option } from "commander";
import type { PlatformConfig } from "../config/schema";
import { ConfigError } from "../config/errors";
import { addChangeCommands } from "./cliChanges";
import { EXIT, InvalidInputError, OpsError } from "./errors";
import type { RedisTarget } from "./redis/connect";

/**
 * The `mcp-ops` entry point: parses arguments, calls the library, prints, and maps errors to
 * exit codes. Command modules are required lazily so `--help` stays fast.
 */
const projectDir = process.env.MCP_PROJECT_DIR ?? process.cwd();

const int = (name: string) => (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidInputError(`${name} ${value} is not a whole number`);
    return n;
};
const collect = (value: string, previous: string[]) => [...previous, value];
const print = (json: boolean, value: unknown, text: () => string) => console.log(json ? JSON.stringify(value, null, 2) : text());
/** Progress goes to stderr, and only on a terminal: logs and pipes get results only. */
const progress = (text: string) => {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
};
const endProgress = () => {
    if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
};
const stackConfig = (stack: string): PlatformConfig => (require("./stackFile") as typeof import("./stackFile.js")).readStackConfig(stack, projectDir);
/** Asks before an action that changes or deletes something; --yes answers for CI. */
const confirmAction = (summary: string, o: { stack: string; yes?: boolean }) =>
    (require("./lifecycle/confirm") as typeof import("./lifecycle/confirm.js")).confirmOnTerminal(summary, { stack: o.stack, environment: stackConfig(o.stack).environment, yes: Boolean(o.yes) });

interface RedisFlags {
    stack: string;
    url?: string;
    passwordEnv: string;
    passwordSecret?: string;
    kubeconfig?: string;
    tlsCa?: string;
    db?: number;
}

function withRedisFlags(command: Command): Command {
    return command
        .option("--stack <name>", "stack whose config says where Redis is", "local")
        .option("--url <url>", "redis:// or rediss:// URL, e.g. after kubectl port-forward svc/redis 6379")
        .option("--password-env <var>", "environment variable holding the password (the redis-password secret)", "REDIS_PASSWORD")
        .option("--password-secret <name>", "read the password from this Kubernetes Secret of the stack's namespace (e.g. redis-password)")
        .option("--kubeconfig <file>", "cluster for --password-secret (default: $KUBECONFIG, else the local cluster if up)")
        .addOption(new Option("--db <n>", "database number").argParser(int("--db")))
        .option("--tls-ca <file>", "CA certificate (PEM) to trust; implies TLS")
        .option("--json", "print the result as JSON", false);
}

async function redisTargetOf(o: RedisFlags): Promise<RedisTarget> {
    const { redisTarget } = require("./redis/target") as typeof import("./redis/target.js");
    const config = o.url && !o.passwordSecret ? undefined : stackConfig(o.stack);
    let password = process.env[o.passwordEnv];
    if (o.passwordSecret) {
        const { findKubeconfig } = require("./kube/client") as typeof import("./kube/client.js");
        const { readSecretValue } = require("./kube/secrets") as typeof import("./kube/secrets.js");
        const kubeconfig = findKubeconfig(o.kubeconfig, projectDir, o.stack);
        if (!kubeconfig) throw new InvalidInputError("--password-secret needs a cluster: pass --kubeconfig or set KUBECONFIG");
        password = await readSecretValue(kubeconfig, config!.namespace, o.passwordSecret);
    }
    return redisTarget(o.url ? undefined : config, o.url, password, o.db, o.tlsCa);
}

export function buildProgram(): Command {
    const program = new Command("mcp-ops").description("Runbooks of the MCP platform as commands").exitOverride();

    program
        .command("health")
        .description("REST /health and an MCP initialize + tools/list against every MCP server, plus Redis: HEALTHY, DEGRADED or UNHEALTHY")
        .option("--stack <name>", "stack whose config names the servers", "local")
        .option("--endpoint <name=url>", "reach a server at this base URL (repeatable), e.g. after kubectl port-forward", collect, [])
        .option("--redis-url <url>", "check Redis at this URL instead of the stack's address")
        .option("--no-redis", "skip the Redis check")
        .option("--password-env <var>", "environment variable holding the Redis password", "REDIS_PASSWORD")
        .option("--kubeconfig <file>", "cluster to read workload readiness from (default: $KUBECONFIG, else the local cluster if up)")
        .option("--no-cluster", "skip the workload readiness check")
        .addOption(new Option("--timeout <ms>", "per-check timeout").argParser(int("--timeout")).default(5000))
        .addOption(new Option("--slow <ms>", "a passing check slower than this degrades").argParser(int("--slow")).default(2000))
        .option("--watch", "repeat the checks until interrupted", false)
        .addOption(new Option("--interval <s>", "seconds between checks with --watch").argParser(int("--interval")).default(10))
        .addOption(new Option("--count <n>", "stop --watch after this many rounds").argParser(int("--count")))
        .option("--json", "print the report as JSON", false)
        .action(async (o) => {
            const { healthCommand, renderHealth } = require("./commands/health") as typeof import("./commands/health.js");
            const { redisTarget } = require("./redis/target") as typeof import("./redis/target.js");
            const config = stackConfig(o.stack);
            const { findKubeconfig } = require("./kube/client") as typeof import("./kube/client.js");
            const redis = o.redis ? redisTarget(config, o.redisUrl, process.env[o.passwordEnv]) : undefined;
            const kubeconfig = o.cluster ? findKubeconfig(o.kubeconfig, projectDir, o.stack) : undefined;
            const rounds = o.watch ? (o.count ?? Infinity) : 1;
            for (let round = 1; round <= rounds; round++) {
                const { report, exitCode } = await healthCommand({ config, endpoint: o.endpoint, timeoutMs: o.timeout, slowMs: o.slow, redis, kubeconfig });
                print(o.json, report, () => renderHealth(report));
                process.exitCode = exitCode;
                if (round < rounds) await new Promise((r) => setTimeout(r, o.interval * 1000));
            }
        });

    const redis = program.command("redis").description("Redis runbooks, safe on a busy store (SCAN and UNLINK, never KEYS or FLUSH)");
    const redisCommands = () => require("./commands/redis") as typeof import("./commands/redis.js");

    withRedisFlags(redis.command("stats").description("memory, fragmentation, hit rate, evictions, slowlog, largest keys by sampling"))
        .addOption(new Option("--sample <n>", "random keys sampled for sizes").argParser(int("--sample")).default(500))
        .action(async (o) => {
            const { renderStats } = require("./commands/render") as typeof import("./commands/render.js");
            const stats = await redisCommands().statsCommand(await redisTargetOf(o), o.sample);
            print(o.json, stats, () => renderStats(stats));
        });

    withRedisFlags(redis.command("revoke-sessions").description("delete session keys (credential rotation, incident response)"))
        .option("--pattern <glob>", "keys to delete", "session:*")
        .addOption(new Option("--count <n>", "SCAN COUNT per step").argParser(int("--count")).default(1000))
        .addOption(new Option("--timeout <ms>", "stop after this long (rerun continues)").argParser(int("--timeout")).default(600_000))
        .option("--preview", "count what would be deleted, delete nothing", false)
        .option("--yes", "delete without asking (CI)", false)
        .action(async (o) => {
            const target = await redisTargetOf(o);
            const sweep = (preview: boolean) =>
                redisCommands().revokeSessionsCommand({
                    ...target,
                    pattern: o.pattern,
                    preview,
                    count: o.count,
                    timeoutMs: o.timeout,
                    onProgress: (p) => progress(preview ? `counting: scanned ${p.scans} steps` : `scanned ${p.scans} steps, deleted ${p.deleted}`),
                });
            if (!o.preview && !o.yes) {
                const counted = await sweep(true);
                endProgress();
                await confirmAction(`delete ${counted.matched} keys matching "${o.pattern}" (more may match by the time the sweep runs)`, o);
            }
            const result = await sweep(o.preview);
            endProgress();
            print(o.json, result, () =>
                result.preview
                    ? `preview: ${result.matched} keys match "${result.pattern}"; nothing was deleted`
                    : `deleted ${result.deleted} keys matching "${result.pattern}" in ${result.durationMs} ms`,
            );
        });

    withRedisFlags(redis.command("maintenance").description("verified BGSAVE, AOF rewrite when AOF is on, MEMORY PURGE"))
        .option("--reset-stats", "CONFIG RESETSTAT at the end (erases hit-rate history)", false)
        .action(async (o) => {
            const report = await redisCommands().maintenanceCommand(await redisTargetOf(o), o.resetStats, progress);
            endProgress();
            print(o.json, report, () =>
                [`snapshot saved (LASTSAVE ${new Date(report.save.lastSave * 1000).toISOString()}, ${report.save.durationMs} ms)`, `AOF: ${report.aof}`, `memory: ${report.memoryPurge}`, `stats reset: ${report.statsReset}`].join("\n"),
            );
        });

    withRedisFlags(redis.command("cache-policy").description("apply TTLs by key prefix (only ever shortening), eviction policy and maxmemory from config"))
        .option("--rule <prefix=seconds>", "a TTL rule (repeatable); default: the stack's mcp:redis.ttlRules", collect, [])
        .option("--maxmemory <size>", "e.g. 768mb; default: the stack's mcp:redis.maxmemory")
        .option("--policy <name>", "eviction policy; default: the stack's mcp:redis.maxmemoryPolicy")
        .option("--preview", "count what each rule would change, change nothing", false)
        .option("--yes", "apply without asking (CI)", false)
        .action(async (o) => {
            const config = stackConfig(o.stack);
            const commands = redisCommands();
            const policy = {
                rules: commands.parseTtlRules(o.rule, config.redis.ttlRules),
                maxmemory: o.maxmemory ?? config.redis.maxmemory,
                maxmemoryPolicy: o.policy ?? config.redis.maxmemoryPolicy,
            };
            const target = await redisTargetOf(o);
            if (!o.preview && !o.yes) {
                const planned = await commands.cachePolicyCommand(target, policy, true);
                for (const r of planned.rules) process.stderr.write(`would set TTL ${r.ttlSeconds}s on ${r.changed} of ${r.matched} keys under "${r.prefix}"\n`);
                for (const c of planned.config) process.stderr.write(`would set ${c.parameter}: ${c.from} -> ${c.to}\n`);
                await confirmAction("apply this cache policy", o);
            }
            const report = await commands.cachePolicyCommand(target, policy, o.preview);
            print(o.json, report, () =>
                [
                    ...report.rules.map((r) => `${report.preview ? "would set" : "set"} TTL ${r.ttlSeconds}s on ${r.changed} of ${r.matched} keys under "${r.prefix}"`),
                    ...report.config.map((c) => `${c.parameter}: ${c.from} -> ${c.to}${report.preview ? " (preview)" : ""}`),
                ].join("\n"),
            );
        });

    withRedisFlags(redis.command("backup").description("copy an RDB snapshot to a local file, with a manifest for restore drills"))
        .requiredOption("--out <file>", "where to write the RDB (the manifest goes to <file>.json)")
        .option("--force", "replace an existing file", false)
        .action(async (o) => {
            const manifest = await redisCommands().backupCommand(await redisTargetOf(o), o.out, o.force, (bytes) => progress(`received ${bytes} bytes`));
            endProgress();
            print(o.json, manifest, () => `wrote ${o.out} (${manifest.bytes} bytes, sha256 ${manifest.sha256.slice(0, 12)}…, ${Object.values(manifest.keyspace).reduce((a, b) => a + b, 0)} keys)`);
        });

    redis
        .command("restore")
        .description("restore drill: load a snapshot into a scratch Redis and compare it with its manifest")
        .argument("<file>", "RDB written by mcp-ops redis backup")
        .requiredOption("--verify", "run the drill (restoring into a live store is done by the data recovery runbook)")
        .option("--json", "print the result as JSON", false)
        .action(async (file, o) => {
            const { restoreDrill } = require("./redis/restoreDrill") as typeof import("./redis/restoreDrill.js");
            const report = await restoreDrill(file);
            print(o.json, report, () =>
                [
                    `restore drill ${report.ok ? "passed" : "FAILED"}: ${file}`,
                    `  checksum: ${report.checksumMatches ? "matches" : "DIFFERS"}`,
                    `  keys: expected ${JSON.stringify(report.keyspace.expected)}, restored ${JSON.stringify(report.keyspace.restored)}`,
                    `  sampled values: ${report.sample.matched}/${report.sample.checked} match`,
                ].join("\n"),
            );
            redisCommands().assertDrillPassed(report);
        });

    program
        .command("review")
        .description("summarise a preview for a pull request: changes by field, high-risk replacements and deletions first, policy results")
        .requiredOption("--stack <name>", "the stack to preview (or the stack --events was written for)")
        .option("--events <file>", "summarise this engine event log (pulumi preview --event-log) instead of running a preview")
        .option("--out <file>", "also write the Markdown summary here")
        .option("--json", "print the summary as JSON", false)
        .action(async (o) => {
            const { readFileSync, writeFileSync } = require("fs") as typeof import("fs");
            const { parseEventLog, summarizeEvents } = require("./review/summarize") as typeof import("./review/summarize.js");
            const { reviewMarkdown } = require("./review/markdown") as typeof import("./review/markdown.js");
            let events: import("./review/summarize.js").EngineEvent[];
            if (o.events) {
                try {
                    events = parseEventLog(readFileSync(o.events, "utf8"));
                } catch {
                    throw new InvalidInputError(`cannot read ${o.events}; write it with: pulumi preview --stack ${o.stack} --event-log ${o.events}`);
                }
            } else {
                const { openStack } = require("./stack/automation") as typeof import("./stack/automation.js");
                const { pulumiRoot } = require("./stack/toolchain") as typeof import("./stack/toolchain.js");
                const { join } = require("path") as typeof import("path");
                const stack = await openStack({ projectDir, stack: o.stack, pulumiRoot: pulumiRoot(projectDir) });
                events = await stack.previewEvents([join(projectDir, "policy")]);
            }
            const summary = summarizeEvents(events);
            const markdown = reviewMarkdown(o.stack, summary);
            if (o.out) writeFileSync(o.out, markdown);
            print(o.json, summary, () => markdown.trimEnd());
            if (summary.highRisk.length > 0 || summary.policy.mandatory.length > 0) process.exitCode = EXIT.needsApproval;
        });

    addChangeCommands(program, projectDir, print);
    addClusterActions(program);

    const runbook = program.command("runbook").description("the runbooks, as in docs/runbook.md");
    runbook
        .command("list")
        .description("every runbook with its severity")
        .action(() => {
            const { RUNBOOKS } = require("../runbooks/registry") as typeof import("../runbooks/registry.js");
            for (const r of RUNBOOKS) console.log(`${r.severity}  ${r.id.padEnd(24)} ${r.title}`);
        });
    runbook
        .command("show")
        .description("one runbook: purpose, steps, verification, rollback, escalation")
        .argument("<id>", "runbook id, as listed by `mcp-ops runbook list`")
        .action((id: string) => {
            const { RUNBOOKS } = require("../runbooks/registry") as typeof import("../runbooks/registry.js");
            const { renderRunbook } = require("../runbooks/render") as typeof import("../runbooks/render.js");
            const found = RUNBOOKS.find((r) => r.id === id);
            if (!found) throw new InvalidInputError(`no runbook "${id}"; run mcp-ops runbook list to see them (${RUNBOOKS.map((r) => r.id).join(", ")})`);
            console.log(renderRunbook(found).join("\n"));
        });

    return program;
}

/** Imperative runbook actions: they act on the cluster and change no desired state. */
function addClusterActions(program: Command): void {
    const cluster = (o: { stack: string; kubeconfig?: string }) => {
        const { findKubeconfig } = require("./kube/client") as typeof import("./kube/client.js");
        const kubeconfig = findKubeconfig(o.kubeconfig, projectDir, o.stack);
        if (!kubeconfig) {
            throw new InvalidInputError(`this command needs a cluster: pass --kubeconfig or set KUBECONFIG${o.stack === "local" ? " (or start the local cluster: npm run local:up)" : ""}`);
        }
        return { kubeconfig, namespace: stackConfig(o.stack).namespace };
    };
    const backup = program.command("backup").description("backups beyond the schedule");
    backup
        .command("now")
        .description("run a backup now from its CronJob, wait for it, report the result")
        .argument("<store>", "redis or postgres")
        .option("--stack <name>", "stack", "local")
        .option("--kubeconfig <file>", "cluster (default: $KUBECONFIG, else the local cluster if up)")
        .addOption(new Option("--timeout <s>", "seconds to wait").argParser(int("--timeout")).default(1800))
        .option("--json", "print the result as JSON", false)
        .action(async (store: string, o) => {
            if (store !== "redis" && store !== "postgres") throw new InvalidInputError(`"${store}" is not a store; use redis or postgres`);
            const { backupNow } = require("./kube/backupNow") as typeof import("./kube/backupNow.js");
            const { kubeconfig, namespace } = cluster(o);
            const result = await backupNow(kubeconfig, namespace, store, { timeoutMs: o.timeout * 1000 });
            print(o.json, result, () => `backup ${result.job} succeeded in ${result.seconds}s${result.log ? `\n${result.log}` : ""}`);
        });
    program
        .command("cert")
        .description("certificates")
        .command("renew")
        .description("force renewal of the gateway certificate (as cert-manager's CLI does) and report the new expiry")
        .option("--stack <name>", "stack", "local")
        .option("--name <certificate>", "Certificate to renew", "gateway")
        .option("--kubeconfig <file>", "cluster (default: $KUBECONFIG, else the local cluster if up)")
        .addOption(new Option("--timeout <s>", "seconds to wait for the new certificate").argParser(int("--timeout")).default(300))
        .option("--yes", "renew without asking (CI)", false)
        .option("--json", "print the result as JSON", false)
        .action(async (o) => {
            const { renewCertificate } = require("./kube/certificates") as typeof import("./kube/certificates.js");
            const { kubeconfig, namespace } = cluster(o);
            await confirmAction(`re-issue certificate ${namespace}/${o.name} now`, o);
            const result = await renewCertificate(kubeconfig, namespace, o.name, { timeoutMs: o.timeout * 1000, onProgress: (line) => process.stderr.write(`${line}\n`) });
            print(o.json, result, () => `${result.certificate} renewed in ${result.seconds}s: expires ${result.notAfter} (was ${result.previousNotAfter ?? "not issued"})`);
        });
    program
        .command("incident")
        .description("security incident response")
        .command("evidence")
        .description("preserve events, pods, workloads, policies, logs and stack history in a checksummed bundle")
        .option("--stack <name>", "stack", "local")
        .option("--kubeconfig <file>", "cluster (default: $KUBECONFIG, else the local cluster if up)")
        .option("--out <dir>", "where to write the bundle (default: incident-<time>)")
        .option("--json", "print the manifest as JSON", false)
        .action(async (o) => {
            const { collectEvidence } = require("./kube/evidence") as typeof import("./kube/evidence.js");
            const { kubeconfig, namespace } = cluster(o);
            const out = o.out ?? `incident-${new Date().toISOString().replace(/[:.]/g, "-")}`;
            let history: unknown;
            try {
                const { openStack } = require("./stack/automation") as typeof import("./stack/automation.js");
                const { pulumiRoot } = require("./stack/toolchain") as typeof import("./stack/toolchain.js");
                history = await (await openStack({ projectDir, stack: o.stack, pulumiRoot: pulumiRoot(projectDir) })).history(100);
            } catch (error) {
                history = { unavailable: (error as Error).message.split("\n")[0] };
            }
            const manifest = await collectEvidence(kubeconfig, namespace, out, { history });
            print(o.json, manifest, () => `evidence written to ${out}: ${manifest.files.length} files (MANIFEST.json has their checksums)`);
        });

    program
        .command("status")
        .description("stack outputs and the live rollout state of every workload")
        .option("--stack <name>", "stack", "local")
        .option("--kubeconfig <file>", "cluster (default: $KUBECONFIG, else the local cluster if up)")
        .option("--json", "print as JSON", false)
        .action(async (o) => {
            const { openStack } = require("./stack/automation") as typeof import("./stack/automation.js");
            const { pulumiRoot } = require("./stack/toolchain") as typeof import("./stack/toolchain.js");
            const { findKubeconfig } = require("./kube/client") as typeof import("./kube/client.js");
            const { workloadReadiness } = require("./kube/workloads") as typeof import("./kube/workloads.js");
            const { SIMULATED_NOTE } = require("./kube/simulated") as typeof import("./kube/simulated.js");
            const stack = await openStack({ projectDir, stack: o.stack, pulumiRoot: pulumiRoot(projectDir), kubeconfig: o.kubeconfig });
            const outputs = Object.fromEntries(Object.entries(await stack.stack.outputs()).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
            const kubeconfig = findKubeconfig(o.kubeconfig, projectDir, o.stack);
            const workloads = kubeconfig ? await workloadReadiness(kubeconfig, stackConfig(o.stack).namespace) : undefined;
            const simulated = workloads?.some((w) => w.simulated) ?? false;
            print(o.json, { outputs, workloads, ...(simulated ? { note: SIMULATED_NOTE } : {}) }, () =>
                [
                    "outputs:",
                    JSON.stringify(outputs, null, 2),
                    "workloads:",
                    ...(workloads ?? []).map((w) => `  ${w.status.padEnd(9)} ${w.kind.toLowerCase()}/${w.name} ${w.ready}/${w.desired} ready${w.simulated ? " (simulated)" : ""}`),
                    ...(workloads ? [] : ["  (no cluster reachable)"]),
                    ...(simulated ? [`note: ${SIMULATED_NOTE}`] : []),
                ].join("\n"),
            );
        });
}

/** Runs the CLI and returns the exit code; never calls process.exit itself. */
export async function main(argv: string[]): Promise<number> {
    try {
        await buildProgram().parseAsync(argv, { from: "user" });
        return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
    } catch (error) {
        if (error instanceof CommanderError) {
            return error.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
        }
        const message = error instanceof Error ? error.message : String(error);
        console.error(`mcp-ops: ${message}`);
        if (error instanceof OpsError) return error.exitCode;
        return error instanceof ConfigError ? EXIT.invalidInput : EXIT.failed;
    }
}
