import type { Command } from "commander";
import type { PlatformConfig } from "../../config/schema";
import { consumersOf, STORE_SECRET } from "../../platform/secretUse";
import type { CommandContext } from "../commandLine/context";
import { numberOption, withJson, withKubeconfig, withStack } from "../commandLine/flags";
import { print } from "../commandLine/output";
import { type ServiceChange, changesTouching } from "../diagnose/changes";
import { diagnosisStatus, type Finding, findingsOf } from "../diagnose/findings";
import { gatherServiceFacts, type ServiceFacts } from "../diagnose/gather";
import { renderDiagnosis } from "../diagnose/render";
import { EXIT } from "../errors";
import type { Status } from "../health/status";

export interface DiagnoseReport {
    status: Status;
    checkedAt: string;
    sinceMinutes: number;
    findings: Finding[];
    facts: ServiceFacts;
    changes: ServiceChange[];
    /** Why the ops changes could not be listed. */
    changesNote?: string;
}

interface DiagnoseOptions {
    stack: string;
    kubeconfig?: string;
    json: boolean;
    logLines: number;
    sinceMinutes: number;
    dns: boolean;
    history: boolean;
}

/** The secrets whose rotation rolls the service: its store password, its key sets, the stores' passwords it calls. */
function secretsReadBy(config: PlatformConfig, service: string): string[] {
    if (service === "redis" || service === "postgres") return [STORE_SECRET[service]];
    return Object.keys(config.secrets).filter((secret) => consumersOf(config, secret).includes(service));
}

/**
 * `mcp-ops diagnose <service>`: what an on-call looks at first, in one report — pods, restarts and
 * the log of the run that ended last, events, endpoints, the name as the cluster's DNS answers it, the
 * NetworkPolicies that decide who may connect, the autoscaler, CPU and memory against requests and
 * limits, and the ops changes that touched it. Exit 0/1/2 as `health`: HEALTHY, DEGRADED, UNHEALTHY.
 */
export function define(command: Command, ctx: CommandContext): void {
    withJson(withKubeconfig(withStack(command)), "the report")
        .argument("<service>", "a Service in the stack's namespace: an MCP server, gateway, router, redis, postgres, …")
        .addOption(numberOption("--log-lines <n>", "lines of the log of each container's run that ended last").default(20))
        .addOption(numberOption("--since-minutes <n>", "events and changes of the last n minutes").default(60))
        .option("--no-dns", "skip resolving the name with the cluster's DNS (a port-forward to it)")
        .option("--no-history", "skip the stack history (the ops changes touching it)")
        .action(async (service: string, o: DiagnoseOptions) => {
            const { kubeconfig, namespace } = ctx.cluster(o.stack, o.kubeconfig);
            const checkedAt = new Date().toISOString();
            const [facts, history] = await Promise.all([
                gatherServiceFacts(kubeconfig, namespace, service, { logLines: o.logLines, sinceSeconds: o.sinceMinutes * 60, dns: o.dns }),
                o.history
                    ? ctx
                          .stack(o.stack, o.kubeconfig)
                          .then((s) => s.history(1_000))
                          .then(
                              (entries) => ({ entries }),
                              (error: unknown) => ({ note: `stack history not read: ${(error as Error).message.split("\n")[0]}` }),
                          )
                    : Promise.resolve({ note: "skipped (--no-history)" }),
            ]);
            const since = Date.parse(checkedAt) - o.sinceMinutes * 60_000;
            const changes =
                "entries" in history
                    ? changesTouching(service, secretsReadBy(ctx.config(o.stack), service), history.entries).filter(
                          (c) => Date.parse(c.startTime) >= since,
                      )
                    : [];
            const findings = findingsOf(facts, changes);
            const status = diagnosisStatus(findings);
            const report: DiagnoseReport = {
                status,
                checkedAt,
                sinceMinutes: o.sinceMinutes,
                findings,
                facts,
                changes,
                changesNote: "note" in history ? history.note : undefined,
            };
            print(o.json, report, () => renderDiagnosis(report));
            process.exitCode = status === "HEALTHY" ? EXIT.ok : status === "DEGRADED" ? EXIT.degraded : EXIT.unhealthy;
        });
}
