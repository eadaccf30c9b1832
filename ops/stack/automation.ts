import {
    type EngineEvent as AutomationEvent,
    LocalWorkspace,
    type PulumiFn,
    Stack,
    StackNotFoundError,
    type UpdateSummary,
} from "@pulumi/pulumi/automation";
import { delimiter } from "node:path";
import { InvalidInputError, UnavailableError } from "../errors";
import { findKubeconfig } from "../kube/client";
import { requireStackFile, snapshotStackFile, writeStackConfigValues } from "./stackFile";
import type { StackPort, UpResult } from "../change/lifecycle";
import type { ChangeScope } from "../plan/scope";
import { rolloutsAsUpdated } from "./updatedRollouts";
import { finishedUpdateVersion, historyDuringUpdate, type HistoryEntry, numberFromListing, stackHistory } from "./history";
import { type EngineEvent, summarizeEvents } from "../review/summarize";
import { engineError } from "./engineErrors";
import { retryLockCheckRace } from "./lockCheckRace";
import { ensureFileBackend, stackEnvironment } from "./environment";
import { findPulumiCli, pulumiCli } from "./pulumiCli";
import { withRolloutWait } from "./rolloutWait";

export interface OpenStackOptions {
    projectDir: string;
    stack: string;
    /** The program to run. Default: the platform itself, in-process (no language host, no compile step). */
    program?: PulumiFn;
    /** The Pulumi CLI. Default: $MCP_PULUMI, else `pulumi` on PATH (ops/stack/pulumiCli.ts). */
    pulumi?: string;
    /** Extra environment for the CLI. */
    env?: Record<string, string>;
    /** Cluster for the engine's Kubernetes provider. Default: $KUBECONFIG, else the local cluster's for the local stack. */
    kubeconfig?: string;
    /** Bound on the provider's wait for a workload's rollout (default: the provider's own, 10 minutes). */
    rolloutWaitSeconds?: number;
    onOutput?: (line: string) => void;
}

export interface AutomationStack extends StackPort {
    readonly stack: Stack;
    /** A preview's engine events (policy results included when policy packs are given). */
    previewEvents(policyPacks?: string[]): Promise<EngineEvent[]>;
    /** A refresh preview's events: what differs between the state and the live resources. */
    refreshEvents(): Promise<EngineEvent[]>;
    /** A refresh recorded in the history under this message: the state takes in what really exists. */
    refresh(message?: string): Promise<void>;
    /** An update that first refreshes, so out-of-band changes are put back to the declared state. */
    upWithRefresh(message: string, scope?: ChangeScope): Promise<UpResult>;
    history(limit?: number): Promise<HistoryEntry[]>;
}

export async function openStack(o: OpenStackOptions): Promise<AutomationStack> {
    requireStackFile(o.stack, o.projectDir);
    const cli = await pulumiCli(o.pulumi ?? findPulumiCli());
    /** What an update or preview of this scope runs: the given program, else the platform (of the scope's services, if it names them). */
    const programFor = (scope?: ChangeScope): PulumiFn => {
        if (o.program) return o.program;
        const platform = scope?.services ? runServicesProgram(scope.services) : runPlatformProgram;
        return o.rolloutWaitSeconds === undefined ? platform : withRolloutWait(o.rolloutWaitSeconds, platform);
    };
    const envVars: Record<string, string> = { ...stackEnvironment(o.projectDir, o.stack), ...o.env };
    // The engine finds the plugins that come with the CLI (language hosts, the policy-pack analyzer) on PATH.
    envVars.PATH = [cli.pluginDir, envVars.PATH ?? process.env.PATH ?? ""].join(delimiter);
    const backend = envVars.PULUMI_BACKEND_URL ?? process.env.PULUMI_BACKEND_URL;
    ensureFileBackend(backend);
    // The engine's Kubernetes provider reads KUBECONFIG: give it the same cluster ops commands verify on.
    const kubeconfig = findKubeconfig(o.kubeconfig, o.projectDir, o.stack);
    if (kubeconfig) envVars.KUBECONFIG = kubeconfig;
    let stack: Stack;
    try {
        const workspace = await LocalWorkspace.create({
            workDir: o.projectDir,
            pulumiCommand: cli.command,
            envVars,
            program: programFor(),
        });
        stack = await Stack.select(o.stack, workspace);
    } catch (error) {
        if (error instanceof StackNotFoundError) {
            throw new InvalidInputError(
                `stack "${o.stack}" does not exist in ${backend ?? "the current backend"}; create it with: pulumi stack init ${o.stack}`,
            );
        }
        if (/PULUMI_ACCESS_TOKEN must be set/.test(String((error as Error).message))) {
            throw new UnavailableError(
                `no state backend for stack "${o.stack}": set PULUMI_BACKEND_URL (file://, s3://, …) or log in with PULUMI_ACCESS_TOKEN`,
            );
        }
        throw error;
    }
    const failed = (error: unknown): never => {
        throw engineError(error, { stack: o.stack, backend, kubeconfig });
    };
    /** An update (optionally refreshing first), numbered as the history numbers it, with the diff of its own events. */
    const runUp = async (message: string, refresh: boolean, scope?: ChangeScope): Promise<UpResult> => {
        let events: AutomationEvent[] = [];
        let summary: UpdateSummary | undefined;
        // Read once the update holds the stack's lock (its first event), while it runs.
        let listing: Promise<UpdateSummary[] | undefined> | undefined;
        try {
            summary = await retryLockCheckRace(async (sawEvent) => {
                events = [];
                const onEvent = (e: AutomationEvent) => {
                    sawEvent();
                    events.push(e);
                    listing ??= historyDuringUpdate(stack).catch(() => undefined);
                };
                const running = stack.up({
                    message,
                    refresh,
                    onOutput: o.onOutput,
                    onEvent,
                    program: programFor(scope),
                    ...targeting(scope),
                });
                if (!o.program) preloadPlatformProgram();
                return (await running).summary;
            }, o.onOutput);
        } catch (error) {
            failed(error);
        }
        // Backends that number updates say so in the summary; for the others the listing read during
        // the update gives it, else the history is asked while the caller goes on (verifying rollouts).
        const version = (async () => {
            if (summary?.version) return summary.version;
            const read = await listing;
            return read && summary ? numberFromListing(read, summary) : finishedUpdateVersion(stack, undefined);
        })().catch(() => undefined);
        const engineEvents = events as unknown as EngineEvent[];
        return { version, diff: renderDiff(summarizeEvents(engineEvents)), rollouts: rolloutsAsUpdated(engineEvents) };
    };
    const previewEvents = async (policyPacks?: string[], refresh?: boolean, scope?: ChangeScope): Promise<EngineEvent[]> => {
        const events: AutomationEvent[] = [];
        try {
            await stack.preview({
                onEvent: (e) => events.push(e),
                onOutput: o.onOutput,
                policyPacks,
                refresh,
                program: programFor(scope),
                ...targeting(scope),
            });
        } catch (error) {
            failed(error);
        }
        return events as unknown as EngineEvent[];
    };

    return {
        name: o.stack,
        stack,
        // The stack file is the desired state; it is written directly, typed and with its comments,
        // which also spares a CLI process per write.
        async writeConfig(values) {
            const snapshot = snapshotStackFile(o.stack, o.projectDir);
            writeStackConfigValues(o.stack, o.projectDir, values);
            return async () => snapshot.restore();
        },
        previewEvents,
        async refreshEvents() {
            const events: AutomationEvent[] = [];
            try {
                await stack.previewRefresh({ onEvent: (e) => events.push(e), onOutput: o.onOutput });
            } catch (error) {
                failed(error);
            }
            return events as unknown as EngineEvent[];
        },
        async refresh(message) {
            try {
                await retryLockCheckRace((sawEvent) => stack.refresh({ message, onOutput: o.onOutput, onEvent: sawEvent }), o.onOutput);
            } catch (error) {
                failed(error);
            }
        },
        upWithRefresh: (message, scope) => runUp(message, true, scope),
        async preview(refresh, scope) {
            return renderDiff(summarizeEvents(await previewEvents(undefined, refresh, scope)));
        },
        up: (message, scope) => runUp(message, false, scope),
        history: (limit = 50) => stackHistory(stack, limit),
    };
}

/**
 * The engine options of a scoped change: its targets, and whatever depends on them (a replaced
 * object's dependents must follow it). No scope: the whole stack.
 */
const targeting = (scope?: ChangeScope) => (scope ? { target: scope.targets, targetDependents: true } : {});

/** The platform program, loaded on first use: commands that only read a stack never load the providers' SDKs. */
const loadProgram = () => require("../../platform/program") as typeof import("../../platform/program");
const runPlatformProgram: PulumiFn = () => loadProgram().platformProgram();
const runServicesProgram =
    (services: string[]): PulumiFn =>
    () =>
        loadProgram().servicesProgram(services)();

/**
 * The engine takes a few hundred milliseconds after `pulumi up` starts before it runs the program;
 * the program's modules load in that time instead of before the update (on demand if it comes sooner).
 */
function preloadPlatformProgram(): void {
    setTimeout(() => require("../../platform/program"), 50);
}

/** The preview as the lifecycle prints it: one line per changed resource with its fields. */
export function renderDiff(summary: ReturnType<typeof summarizeEvents>): string {
    if (summary.changes.length === 0) return "no resource changes";
    const lines = summary.changes.map(
        (c) => `${c.highRisk ? "!! " : "   "}${c.op.padEnd(8)} ${c.type} ${c.name}${c.fields.length ? `: ${c.fields.join(", ")}` : ""}`,
    );
    if (summary.highRisk.length > 0) lines.unshift(`!! ${summary.highRisk.length} stateful resource(s) replaced or deleted`);
    return lines.join("\n");
}
