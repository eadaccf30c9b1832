import { Command, Option } from "commander";
import type { RunResult } from "./lifecycle/run";
import type { Plan } from "./plan/types";
import type { HistoryEntry } from "./plan/rollback";
import { InvalidInputError } from "./errors";

/**
 * The commands that change desired state: each plans a stack-config edit, then runs the shared
 * lifecycle (preview, confirm, audited update, verify, revert on failure).
 */
type Planner = (raw: Record<string, unknown>, history: () => Promise<HistoryEntry[]>, args: any[], o: any) => Plan | Promise<Plan>;

const int = (name: string) => (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new InvalidInputError(`${name} ${value} is not a whole number`);
    return n;
};
const onOff = (value: string) => {
    if (value !== "on" && value !== "off") throw new InvalidInputError(`"${value}" is neither on nor off`);
    return value === "on";
};

export function addChangeCommands(program: Command, projectDir: string, print: (json: boolean, value: unknown, text: () => string) => void): void {
    const plans = () => require("./plan/commands") as typeof import("./plan/commands.js");

    const define = (name: string, description: string, configure: (c: Command) => Command, planner: Planner) => {
        const command = program
            .command(name)
            .description(description)
            .option("--stack <name>", "stack to change", "local")
            .option("--reason <text>", "why; recorded in the stack history (required for production)")
            .option("--yes", "apply without asking (CI)", false)
            .option("--preview", "show the diff and stop; nothing changes", false)
            .option("--no-revert", "keep the change even if the rollout does not verify")
            .option("--wait", "wait for another update on the stack to finish instead of failing", false)
            .option("--kubeconfig <file>", "cluster to verify rollouts on (default: $KUBECONFIG, else the local cluster if up)")
            .addOption(new Option("--verify-timeout <s>", "seconds to wait for rollouts").argParser(int("--verify-timeout")).default(300))
            .option("--json", "print the result as JSON", false);
        configure(command).action(async (...received: any[]) => {
            const o = received[received.length - 2];
            const args = received.slice(0, -2);
            const { changeCommand } = require("./commands/change") as typeof import("./commands/change.js");
            const report = (line: string) => process.stderr.write(`${line}\n`);
            let result: RunResult;
            try {
                result = await changeCommand(o, { projectDir, report }, (raw, history) => planner(raw, history, args, o));
            } catch (error) {
                const attached = (error as { result?: RunResult }).result;
                if (attached && o.json) print(true, attached, () => "");
                throw error;
            }
            print(o.json, result, () =>
                result.outcome === "applied"
                    ? `applied: ${result.summary} (update ${result.version ?? "?"})${result.verification ? `; ${result.verification}` : ""}`
                    : result.outcome === "previewed"
                      ? `preview only: ${result.summary}; nothing was changed`
                      : `no change: ${result.summary}`,
            );
        });
    };

    define(
        "scale",
        "set a service's replicas, or its HPA bounds with --min/--max",
        (c) =>
            c
                .argument("<service>")
                .argument("[replicas]", "fixed replica count")
                .addOption(new Option("--min <n>").argParser(int("--min")))
                .addOption(new Option("--max <n>").argParser(int("--max")))
                .option("--fixed", "with a replica count: take the replicas back from an HPA (which is removed)", false),
        (raw, _h, [service, replicas], o) => {
            if (replicas !== undefined && (o.min !== undefined || o.max !== undefined)) throw new InvalidInputError("give either a replica count or --min/--max, not both");
            if (replicas !== undefined) return plans().planScaleReplicas(raw, service, int("replicas")(replicas), { fixed: o.fixed });
            if (o.min === undefined || o.max === undefined) throw new InvalidInputError("give a replica count, or both --min and --max");
            return plans().planScaleBounds(raw, service, o.min, o.max);
        },
    );
    define(
        "resources",
        "set a service's CPU and memory limits (and requests)",
        (c) => c.argument("<service>").option("--cpu <q>").option("--memory <q>").option("--request-cpu <q>").option("--request-memory <q>"),
        (raw, _h, [service], o) => plans().planResources(raw, service, { cpu: o.cpu, memory: o.memory }, { cpu: o.requestCpu, memory: o.requestMemory }),
    );
    define(
        "restart",
        "roll a service's pods (or every service's with --all) and change nothing else",
        (c) => c.argument("[services...]").option("--all", "every service", false),
        (raw, _h, [services], o) => plans().planRestart(raw, o.all ? "all" : services),
    );
    define(
        "rotate",
        "generate new values for secrets (or --all); their consumers roll",
        (c) => c.argument("[secrets...]").option("--all", "every secret", false),
        (raw, _h, [secrets], o) => plans().planRotate(raw, o.all ? "all" : secrets),
    );
    define(
        "rollback",
        "restore an earlier update's config as a new update, previewed first",
        (c) => c.addOption(new Option("--to <update>", "update version from mcp-ops history").argParser(int("--to"))).option("--last-good", "the newest successful update before the newest one", false),
        async (raw, history, _a, o) => {
            const { planRollback } = require("./plan/rollback") as typeof import("./plan/rollback.js");
            return planRollback(raw, await history(), { to: o.to, lastGood: o.lastGood });
        },
    );
    define("lockdown", "emergency lockdown: only trusted sources reach any pod (on|off)", (c) => c.argument("<state>"), (raw, _h, [state]) => plans().planLockdown(raw, onOff(state)));
    define(
        "rate-limit",
        "the gateway's rate limit",
        (c) => c.argument("<rps>").addOption(new Option("--burst <n>").argParser(int("--burst"))),
        (raw, _h, [rps], o) => plans().planRateLimit(raw, int("rps")(rps), o.burst),
    );
    define("circuit-breaker", "the gateway's circuit breaker: on|off or key=value,…", (c) => c.argument("<settings>"), (raw, _h, [settings]) => plans().planCircuitBreaker(raw, settings));
    define("maintenance", "scale writers to zero for a restore (on) and back (off)", (c) => c.argument("<state>"), (raw, _h, [state]) => plans().planMaintenance(raw, onOff(state)));

    program
        .command("drift")
        .description("report out-of-band changes field by field (e.g. a kubectl scale); --fix puts the declared state back")
        .option("--stack <name>", "stack", "local")
        .option("--fix", "apply the declared state (an update that refreshes first)", false)
        .option("--reason <text>", "why, for --fix; recorded in the stack history")
        .option("--yes", "apply --fix without asking", false)
        .option("--json", "print as JSON", false)
        .action(async (o) => {
            const { openStack } = require("./stack/automation") as typeof import("./stack/automation.js");
            const { pulumiRoot } = require("./stack/toolchain") as typeof import("./stack/toolchain.js");
            const { driftReport, renderDrift } = require("./review/drift") as typeof import("./review/drift.js");
            const { EXIT } = require("./errors") as typeof import("./errors.js");
            const stack = await openStack({ projectDir, stack: o.stack, pulumiRoot: pulumiRoot(projectDir) });
            const drifted = driftReport(await stack.refreshEvents());
            print(o.json, drifted, () => renderDrift(drifted));
            if (drifted.length === 0) return;
            if (!o.fix) {
                process.exitCode = EXIT.degraded;
                return;
            }
            const { confirmOnTerminal } = require("./lifecycle/confirm") as typeof import("./lifecycle/confirm.js");
            const { auditMessage, currentActor } = require("./lifecycle/audit") as typeof import("./lifecycle/audit.js");
            const { readStackConfig } = require("./stackFile") as typeof import("./stackFile.js");
            const { withChangeLock } = require("./stack/changeLock") as typeof import("./stack/changeLock.js");
            const summary = `restore the declared state of ${drifted.length} drifted resource(s)`;
            await confirmOnTerminal(summary, { stack: o.stack, environment: readStackConfig(o.stack, projectDir).environment, yes: o.yes });
            const message = auditMessage({ operation: "drift-fix", reason: o.reason ?? "not given", actor: currentActor() }, summary);
            const { version } = await withChangeLock(projectDir, o.stack, () => stack.upWithRefresh(message));
            process.stderr.write(`declared state applied (update ${version ?? "?"})\n`);
        });

    program
        .command("history")
        .description("the audit log: updates with operation, reason, actor, result and duration")
        .option("--stack <name>", "stack", "local")
        .addOption(new Option("--limit <n>").argParser(int("--limit")).default(20))
        .option("--json", "print as JSON", false)
        .action(async (o) => {
            const { openStack } = require("./stack/automation") as typeof import("./stack/automation.js");
            const { pulumiRoot } = require("./stack/toolchain") as typeof import("./stack/toolchain.js");
            const { parseAuditMessage } = require("./lifecycle/audit") as typeof import("./lifecycle/audit.js");
            const stack = await openStack({ projectDir, stack: o.stack, pulumiRoot: pulumiRoot(projectDir) });
            const rows = (await stack.history(o.limit)).map((h) => {
                const audit = parseAuditMessage(h.message);
                const seconds = h.endTime ? Math.round((Date.parse(h.endTime) - Date.parse(h.startTime)) / 1000) : undefined;
                return { version: h.version, kind: h.kind, result: h.result, startTime: h.startTime, durationSeconds: seconds, operation: audit?.operation, reason: audit?.reason, actor: audit?.actor, message: audit?.summary ?? h.message };
            });
            print(o.json, rows, () =>
                rows.map((r) => `${String(r.version).padStart(4)}  ${r.startTime}  ${(r.result ?? "").padEnd(10)} ${String(r.durationSeconds ?? "?").padStart(4)}s  ${(r.operation ?? r.kind ?? "").padEnd(15)} ${r.message ?? ""}${r.actor ? `  [${r.actor}: ${r.reason}]` : ""}`).join("\n") || "no updates yet",
            );
        });

    program
        .command("recover")
        .description("after an interrupted update: clear its stale lock and pending operations, then refresh")
        .option("--stack <name>", "stack", "local")
        .option("--force", "remove the lock even if its process may be alive elsewhere", false)
        .option("--reason <text>", "why; recorded in the stack history")
        .option("--yes", "recover without asking (CI)", false)
        .option("--json", "print as JSON", false)
        .action(async (o) => {
            const { openStack, stackEnvironment } = require("./stack/automation") as typeof import("./stack/automation.js");
            const { pulumiRoot } = require("./stack/toolchain") as typeof import("./stack/toolchain.js");
            const { recoverStack } = require("./stack/recover") as typeof import("./stack/recover.js");
            const { confirmOnTerminal } = require("./lifecycle/confirm") as typeof import("./lifecycle/confirm.js");
            const { auditMessage, currentActor } = require("./lifecycle/audit") as typeof import("./lifecycle/audit.js");
            const { readStackConfig } = require("./stackFile") as typeof import("./stackFile.js");
            const summary = `clear the stale locks and pending operations of stack ${o.stack}, then refresh its state`;
            await confirmOnTerminal(summary, { stack: o.stack, environment: readStackConfig(o.stack, projectDir).environment, yes: o.yes });
            const stack = await openStack({ projectDir, stack: o.stack, pulumiRoot: pulumiRoot(projectDir) });
            const backend = process.env.PULUMI_BACKEND_URL ?? stackEnvironment(projectDir, o.stack).PULUMI_BACKEND_URL;
            const message = auditMessage({ operation: "recover", reason: o.reason ?? "not given", actor: currentActor() }, summary);
            const report = await recoverStack(stack, backend, { force: o.force, message, projectDir });
            print(o.json, report, () =>
                [`locks removed: ${report.locksRemoved.join("; ") || "none"}`, `pending operations cleared: ${report.pendingCleared.map((p) => p.urn).join(", ") || "none"}`, `refreshed: ${report.refreshed}`].join("\n"),
            );
        });
}
