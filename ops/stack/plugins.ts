import { execFileSync } from "node:child_process";

/** A provider plugin the program needs, at the version its npm package was generated for. */
export interface Plugin {
    kind: "resource";
    name: string;
    version: string;
}

/** The plugins the platform program runs on; their versions follow the pinned npm packages. */
export const REQUIRED_PLUGINS: Plugin[] = [
    { kind: "resource", name: "kubernetes", version: require("@pulumi/kubernetes/package.json").version as string },
    { kind: "resource", name: "random", version: require("@pulumi/random/package.json").version as string },
];

const installCommand = (pulumi: string, p: Plugin) => `${pulumi} plugin install ${p.kind} ${p.name} v${p.version}`;

/** The required plugins `pulumi plugin ls` does not list. */
export function missingPlugins(pulumi: string, env: NodeJS.ProcessEnv): Plugin[] {
    const listed = JSON.parse(execFileSync(pulumi, ["plugin", "ls", "--json"], { env, encoding: "utf8" }) || "[]") as Array<{
        kind: string;
        name: string;
        version: string;
    }>;
    return REQUIRED_PLUGINS.filter((p) => !listed.some((l) => l.kind === p.kind && l.name === p.name && l.version === p.version));
}

/**
 * Installs the missing plugins the normal way (`pulumi plugin install`, from Pulumi's plugin
 * source), reporting progress; returns what is still missing with the engine's reason.
 */
export function installPlugins(
    pulumi: string,
    env: NodeJS.ProcessEnv,
    plugins: Plugin[],
    report: (line: string) => void,
): Array<Plugin & { reason: string }> {
    const failed: Array<Plugin & { reason: string }> = [];
    for (const p of plugins) {
        report(`installing ${p.kind} plugin ${p.name} v${p.version} ...`);
        try {
            execFileSync(pulumi, ["plugin", "install", p.kind, p.name, `v${p.version}`], {
                env,
                encoding: "utf8",
                stdio: ["ignore", "pipe", "pipe"],
            });
        } catch (error) {
            const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message);
            const lines = stderr.split("\n").map((line) => line.trim());
            failed.push({
                ...p,
                reason: lines.find((line) => line.startsWith("error:")) ?? lines.find((line) => /error/i.test(line)) ?? lines[0],
            });
        }
    }
    return failed;
}

/** What to tell a person whose machine cannot install the plugins: each exact command. */
export function missingPluginsMessage(pulumi: string, failed: Array<Plugin & { reason: string }>): string {
    return [
        `the ${failed.map((p) => `${p.name} v${p.version}`).join(" and ")} provider plugin(s) are not installed, and installing them ` +
            `from Pulumi's plugin source failed:`,
        ...failed.map((p) => `  ${p.name}: ${p.reason}`),
        "Install them and run this again:",
        ...failed.map((p) => `  ${installCommand(pulumi, p)}    (or, with a plugin binary you have: ... --file <binary>)`),
    ].join("\n");
}
