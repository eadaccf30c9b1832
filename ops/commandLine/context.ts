import type { PlatformConfig } from "../../config/schema";
import { InvalidInputError } from "../errors";
import { findKubeconfig } from "../kube/client";
import { confirmOnTerminal } from "../change/confirm";
import type { CurrentConfig } from "../plan/types";
import type { AutomationStack } from "../stack/automation";
import { readRawStackConfig } from "../stack/stackFile";
import { parsePlatformConfig } from "../../config/load";
import { type TeamStore, teamStore } from "../change/teamStore";
import { PROJECT_NAME, stackEnvironment } from "../stack/environment";

export type OpenStack = (stack: string, kubeconfig?: string, rolloutWaitSeconds?: number) => Promise<AutomationStack>;

/**
 * What a command knows about the project for one run: each stack's config is read from its stack
 * file once and validated once, each stack opened once, and handed to whatever needs them.
 */
export class CommandContext {
    private readonly current = new Map<string, CurrentConfig>();
    private readonly opened = new Map<string, Promise<AutomationStack>>();

    constructor(
        readonly projectDir: string,
        /** Test seam: how a stack is opened. Default: the Automation API with the platform program. */
        private readonly open: OpenStack = (stack, kubeconfig, rolloutWaitSeconds) =>
            openWithAutomation(projectDir, stack, kubeconfig, rolloutWaitSeconds),
    ) {}

    /** The stack's config as its stack file had it when this command first read it. */
    currentConfig(stack: string): CurrentConfig {
        return this.current.get(stack) ?? this.readConfig(stack);
    }

    /** The stack's config read from its stack file now: under the change lock, after an earlier change of this command. */
    readConfig(stack: string): CurrentConfig {
        const raw = readRawStackConfig(stack, this.projectDir);
        const found = { raw, config: parsePlatformConfig(raw) };
        this.current.set(stack, found);
        return found;
    }

    config(stack: string): PlatformConfig {
        return this.currentConfig(stack).config;
    }

    /** The flag, $KUBECONFIG, else the local cluster's for the local stack; undefined when none is known. */
    kubeconfig(stack: string, flag?: string): string | undefined {
        return findKubeconfig(flag, this.projectDir, stack);
    }

    /** For commands that act on the cluster: its kubeconfig and the stack's namespace, or a clear refusal. */
    cluster(stack: string, flag?: string): { kubeconfig: string; namespace: string } {
        const kubeconfig = this.kubeconfig(stack, flag);
        if (!kubeconfig) {
            throw new InvalidInputError(
                `this command needs a cluster: pass --kubeconfig or set ` +
                    `KUBECONFIG${stack === "local" ? " (or start the local cluster: npm run local:up)" : ""}`,
            );
        }
        return { kubeconfig, namespace: this.config(stack).namespace };
    }

    /**
     * The stack through the Automation API (opened once per command); `rolloutWaitSeconds` bounds the
     * provider's wait for a workload's rollout (a change passes its --verify-timeout).
     */
    stack(stack: string, kubeconfigFlag?: string, rolloutWaitSeconds?: number): Promise<AutomationStack> {
        let opened = this.opened.get(stack);
        if (!opened) {
            opened = this.open(stack, this.kubeconfig(stack, kubeconfigFlag), rolloutWaitSeconds);
            this.opened.set(stack, opened);
        }
        return opened;
    }

    /**
     * Where the stack's change lock lives: its state backend ($PULUMI_BACKEND_URL, else the backend
     * the CLI is logged in to), so every machine that updates the stack takes the same lock.
     */
    async teamStore(stack: string): Promise<TeamStore> {
        const named = stackEnvironment(this.projectDir, stack).PULUMI_BACKEND_URL || process.env.PULUMI_BACKEND_URL;
        const backend =
            named ||
            (await this.stack(stack)
                .then((s) => s.stack.workspace.whoAmI())
                .then(
                    (me) => me.url,
                    () => undefined,
                ));
        return teamStore(backend, PROJECT_NAME, this.projectDir);
    }

    /**
     * Asks before an action that changes or deletes something; --yes answers for CI. A store
     * reached by --url needs no stack settings file: the question names the server instead.
     */
    confirm(summary: string, o: { stack: string; yes?: boolean; url?: string }): Promise<void> {
        if (o.yes) return Promise.resolve();
        if (o.url) return confirmOnTerminal(summary, { stack: serverOf(o.url), yes: false });
        return confirmOnTerminal(summary, { stack: o.stack, environment: this.config(o.stack).environment, yes: false });
    }
}

/** The engine and the platform program load only when a command needs a stack: `health` and `--help` start without them. */
function openWithAutomation(projectDir: string, stack: string, kubeconfig?: string, rolloutWaitSeconds?: number): Promise<AutomationStack> {
    // The CLI's version check is a process of its own: started first, it runs while the Automation API loads.
    // openStack asks for the same check and gets this one; its failure is reported there.
    const { findPulumiCli, pulumiCli } = require("../stack/pulumiCli") as typeof import("../stack/pulumiCli");
    try {
        pulumiCli(findPulumiCli()).catch(() => undefined);
    } catch {
        // No CLI to find: openStack says so, after the stack file is checked.
    }
    const { openStack } = require("../stack/automation") as typeof import("../stack/automation");
    return openStack({ projectDir, stack, kubeconfig, rolloutWaitSeconds });
}

/** host:port of a store URL, for a question (never its credentials). */
function serverOf(url: string): string {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "default port"}`;
}
