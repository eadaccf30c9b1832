import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, PulumiCommand, type PulumiFn } from "@pulumi/pulumi/automation";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execFileSync } from "node:child_process";
import { loadStackConfig } from "../../platform/program";
import { openStack } from "../../ops/stack/automation";
import { ensureFileBackend, stackEnvironment } from "../../ops/stack/environment";
import { REPO_ROOT } from "./platform";

/** The project's Pulumi CLI (its path), built from pinned Go modules by scripts/toolchain.sh. */
export function pulumiCliForTests(): string {
    const bin = execFileSync("bash", [join(REPO_ROOT, "scripts", "toolchain.sh"), "pulumi"], {
        encoding: "utf8",
        env: { ...process.env, MCP_TOOLCHAIN_QUIET: "1" },
    }).trim();
    return join(bin, "pulumi");
}

/**
 * A program that reads and validates the stack config exactly as the platform does, and records
 * each service's desired replicas in component resources. It needs no provider plugin, so the
 * ops lifecycle can run against the real engine and file backend here.
 */
export const configOnlyProgram =
    (delayMs = 0): PulumiFn =>
    async () => {
        const { config } = loadStackConfig();
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        const services: Record<string, unknown> = {};
        for (const [name, s] of Object.entries(config.services)) {
            new DesiredService(name, { replicas: s.replicas ?? null, restartEpoch: s.restartEpoch });
            services[name] = { replicas: s.replicas ?? `hpa ${s.minReplicas}-${s.maxReplicas}`, restartEpoch: s.restartEpoch };
        }
        return { services, lockdown: config.security.lockdown };
    };

class DesiredService extends pulumi.ComponentResource {
    constructor(name: string, desired: Record<string, unknown>) {
        super("mcp:test:DesiredService", name, {});
        this.registerOutputs(desired);
    }
}

/** A copy of the project (Pulumi.yaml and the local stack file) with its own file backend. */
export async function opsProject(): Promise<{
    dir: string;
    /** The Pulumi CLI. */
    pulumi: string;
    open: (delayMs?: number) => ReturnType<typeof openStack>;
    remove(): void;
}> {
    const dir = mkdtempSync(join(tmpdir(), "mcp-ops-project-"));
    copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    copyFileSync(join(REPO_ROOT, "Pulumi.local.yaml"), join(dir, "Pulumi.local.yaml"));
    writeFileSync(join(dir, ".keep"), "");
    const pulumi = pulumiCliForTests();
    const pulumiCommand = await PulumiCommand.get({ root: dirname(dirname(pulumi)) });
    const envVars = stackEnvironment(dir, "local", {});
    ensureFileBackend(envVars.PULUMI_BACKEND_URL);
    const ws = await LocalWorkspace.create({ workDir: dir, pulumiCommand, envVars });
    await ws.createStack("local");
    return {
        dir,
        pulumi,
        open: (delayMs = 0) => openStack({ projectDir: dir, stack: "local", pulumi, program: configOnlyProgram(delayMs) }),
        remove: () => rmSync(dir, { recursive: true, force: true }),
    };
}
