import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as Expressions from "@actions/expressions" with { "resolution-mode": "import" };
import { parse } from "yaml";

/**
 * Runs a job of a GitHub Actions workflow here, as a runner would: its `run:` steps in order with
 * `bash -e`, in the checkout, with the environment the workflow, the job and each step set,
 * `${{ }}` expressions evaluated by GitHub's own expression library, `if:` conditions with the
 * status functions, step outputs ($GITHUB_OUTPUT), $GITHUB_ENV, $GITHUB_PATH and
 * $GITHUB_STEP_SUMMARY. A `uses:` step runs the local stand-in the test gives for that action; an
 * action without one fails the job, so nothing in a workflow is silently passed over.
 */
export interface Workflow {
    name: string;
    env?: Record<string, string>;
    jobs: Record<string, Job>;
}

interface Job {
    env?: Record<string, string>;
    steps: Step[];
}

interface Step {
    id?: string;
    name?: string;
    if?: string;
    run?: string;
    uses?: string;
    with?: Record<string, string>;
    env?: Record<string, string>;
    shell?: string;
    "working-directory"?: string;
    "continue-on-error"?: boolean;
}

/** What an action's stand-in may do: put folders on PATH and set variables, as actions do through $GITHUB_PATH / $GITHUB_ENV. */
export interface ActionEffect {
    path?: string[];
    env?: Record<string, string>;
}

export type ActionStandIn = (inputs: Record<string, string>, job: { workspace: string; env: NodeJS.ProcessEnv }) => Promise<ActionEffect>;

export interface JobOptions {
    /** The checkout: the job's working directory ($GITHUB_WORKSPACE). */
    workspace: string;
    /** The runner machine's environment (PATH, HOME, …) before the workflow's. */
    runnerEnv: NodeJS.ProcessEnv;
    secrets?: Record<string, string>;
    vars?: Record<string, string>;
    matrix?: Record<string, string>;
    /** A manual run's inputs (workflow_dispatch). */
    inputs?: Record<string, string>;
    /** The `github` context: sha, ref, event, … */
    github?: Record<string, unknown>;
    /** Stand-ins for the actions the workflow uses, by name without the version (`pulumi/actions`). */
    actions: Record<string, ActionStandIn>;
    /** Bound on each step (default 20 minutes). */
    stepTimeoutMs?: number;
    /** Each step's output as it comes, for long steps. */
    onOutput?: (step: string, chunk: string) => void;
}

export interface StepRun {
    name: string;
    id?: string;
    outcome: "success" | "failure" | "skipped";
    exitCode?: number;
    output: string;
    outputs: Record<string, string>;
}

export interface JobRun {
    ok: boolean;
    steps: StepRun[];
    /** What the job wrote to $GITHUB_STEP_SUMMARY. */
    summary: string;
    step(name: string): StepRun;
}

export function loadWorkflow(path: string): Workflow {
    const workflow = parse(readFileSync(path, "utf8")) as Workflow;
    if (!workflow?.jobs) throw new Error(`${path} has no jobs`);
    return workflow;
}

export async function runJob(workflow: Workflow, jobName: string, o: JobOptions): Promise<JobRun> {
    const job = workflow.jobs[jobName];
    if (!job) throw new Error(`workflow ${workflow.name} has no job ${jobName}`);
    const temp = mkdtempSync(join(o.runnerEnv.TMPDIR ?? "/tmp", "runner-"));
    const { expressions, truthy } = await loadLibrary();
    const steps: StepRun[] = [];
    const stepsContext: Record<string, { outcome: string; conclusion: string; outputs: Record<string, string> }> = {};
    let failed = false;
    let addedEnv: Record<string, string> = {};
    let addedPath: string[] = [];
    try {
        const contexts = (env: Record<string, string>) => ({
            github: { workspace: o.workspace, ...o.github },
            env,
            secrets: o.secrets ?? {},
            vars: o.vars ?? {},
            matrix: o.matrix ?? {},
            inputs: o.inputs ?? {},
            steps: stepsContext,
            runner: { temp, os: "Linux" },
        });
        const evaluate = (value: unknown, env: Record<string, string>): string =>
            interpolate(expressions, String(value), contexts(env), failed);
        const evaluateMap = (map: Record<string, unknown> | undefined, env: Record<string, string>) =>
            Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k, evaluate(v, env)]));

        const workflowEnv = evaluateMap(workflow.env, {});
        const jobEnv = { ...workflowEnv, ...evaluateMap(job.env, workflowEnv) };
        for (const [index, step] of job.steps.entries()) {
            const baseEnv = { ...jobEnv, ...addedEnv };
            const name = step.name ?? (step.run ? step.run.split("\n")[0] : step.uses!) ?? `step ${index + 1}`;
            const condition = step.if ?? "success()";
            if (!truthy(evaluateExpression(expressions, stripBraces(condition), contexts(baseEnv), failed))) {
                const skipped: StepRun = { name, id: step.id, outcome: "skipped", output: "", outputs: {} };
                steps.push(skipped);
                if (step.id) stepsContext[step.id] = { outcome: "skipped", conclusion: "skipped", outputs: {} };
                continue;
            }
            const stepEnv = { ...baseEnv, ...evaluateMap(step.env, baseEnv) };
            const files = {
                GITHUB_OUTPUT: join(temp, `output-${index}`),
                GITHUB_ENV: join(temp, `env-${index}`),
                GITHUB_PATH: join(temp, `path-${index}`),
                GITHUB_STEP_SUMMARY: join(temp, `summary-${index}`),
            };
            for (const file of Object.values(files)) writeFileSync(file, "");
            const env: NodeJS.ProcessEnv = {
                ...o.runnerEnv,
                ...stepEnv,
                ...files,
                CI: "true",
                GITHUB_ACTIONS: "true",
                GITHUB_WORKSPACE: o.workspace,
                RUNNER_TEMP: temp,
                PATH: [...addedPath, o.runnerEnv.PATH ?? ""].join(":"),
            };
            let run: RunWithEffect;
            if (step.run !== undefined) {
                run = await runScript(name, step, evaluate(step.run, stepEnv), env, o, temp, index);
            } else if (step.uses) {
                run = await runAction(name, step, evaluateMap(step.with, stepEnv), env, o);
            } else {
                throw new Error(`step "${name}" of ${jobName} neither runs nor uses anything`);
            }
            run.id = step.id;
            run.outputs = parseKeyValueFile(files.GITHUB_OUTPUT);
            addedEnv = { ...addedEnv, ...parseKeyValueFile(files.GITHUB_ENV), ...(run.effect?.env ?? {}) };
            addedPath = [...(run.effect?.path ?? []), ...readLines(files.GITHUB_PATH), ...addedPath];
            delete run.effect;
            steps.push(run);
            if (step.id) stepsContext[step.id] = { outcome: run.outcome, conclusion: run.outcome, outputs: run.outputs };
            if (run.outcome === "failure" && !step["continue-on-error"]) failed = true;
        }
        const summary = job.steps.map((_, i) => readIfThere(join(temp, `summary-${i}`))).join("");
        return {
            ok: !failed,
            steps,
            summary,
            step(name) {
                const found = steps.find((s) => s.name === name || s.id === name);
                if (!found) throw new Error(`job ${jobName} has no step "${name}"; its steps: ${steps.map((s) => s.name).join(" | ")}`);
                return found;
            },
        };
    } finally {
        rmSync(temp, { recursive: true, force: true });
    }
}

type RunWithEffect = StepRun & { effect?: ActionEffect };

/** GitHub's expression library, an ES module: loaded once, by the first job. */
let library: Promise<{ expressions: typeof Expressions; truthy: (d: Expressions.data.ExpressionData) => boolean }> | undefined;
const loadLibrary = () =>
    (library ??= Promise.all([import("@actions/expressions"), import("@actions/expressions/result")]).then(([expressions, result]) => ({
        expressions,
        truthy: result.truthy,
    })));

function runScript(
    name: string,
    step: Step,
    script: string,
    env: NodeJS.ProcessEnv,
    o: JobOptions,
    temp: string,
    index: number,
): Promise<RunWithEffect> {
    const file = join(temp, `step-${index}.sh`);
    writeFileSync(file, script);
    // GitHub's defaults: `bash -e {0}` when no shell is named, and `bash --noprofile --norc -eo pipefail {0}` for shell: bash.
    const args = step.shell === "bash" ? ["--noprofile", "--norc", "-eo", "pipefail", file] : ["-e", file];
    if (step.shell !== undefined && step.shell !== "bash") throw new Error(`step "${name}": shell ${step.shell} is not run here`);
    const cwd = step["working-directory"] ? join(o.workspace, step["working-directory"]) : o.workspace;
    return new Promise((resolve) => {
        const child = spawn("bash", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
        let output = "";
        const take = (chunk: Buffer) => {
            output += chunk.toString();
            o.onOutput?.(name, chunk.toString());
        };
        child.stdout.on("data", take);
        child.stderr.on("data", take);
        const timer = setTimeout(
            () => {
                output += `\n[runner] step timed out after ${o.stepTimeoutMs ?? 20 * 60_000} ms`;
                process.kill(-child.pid!, "SIGKILL");
            },
            o.stepTimeoutMs ?? 20 * 60_000,
        );
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ name, outcome: code === 0 ? "success" : "failure", exitCode: code ?? -1, output, outputs: {} });
        });
    });
}

async function runAction(
    name: string,
    step: Step,
    inputs: Record<string, string>,
    env: NodeJS.ProcessEnv,
    o: JobOptions,
): Promise<RunWithEffect> {
    const action = step.uses!.split("@")[0];
    const standIn = o.actions[action];
    if (!standIn) {
        return { name, outcome: "failure", output: `[runner] no local stand-in for action ${step.uses}`, outputs: {} };
    }
    try {
        const effect = await standIn(inputs, { workspace: o.workspace, env });
        return { name, outcome: "success", output: "", outputs: {}, effect };
    } catch (error) {
        return { name, outcome: "failure", output: `[runner] ${step.uses}: ${(error as Error).message}`, outputs: {} };
    }
}

/** `${{ expr }}` replaced by its value, as the runner does in `run:`, `env:` and `with:`. */
function interpolate(library: typeof Expressions, text: string, contexts: Record<string, unknown>, failed: boolean): string {
    return text.replace(/\$\{\{(.*?)\}\}/gs, (_, expr: string) => {
        const value = evaluateExpression(library, expr, contexts, failed);
        return value.kind === library.data.Kind.Null ? "" : value.coerceString();
    });
}

const stripBraces = (condition: string) => condition.trim().replace(/^\$\{\{(.*)\}\}$/s, "$1");

function evaluateExpression(
    { data, Evaluator, Lexer, Parser }: typeof Expressions,
    expr: string,
    contexts: Record<string, unknown>,
    failed: boolean,
): Expressions.data.ExpressionData {
    const status = (name: string, value: boolean) => ({ name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value) });
    const functions = [status("always", true), status("success", !failed), status("failure", failed), status("cancelled", false)];
    const lexed = new Lexer(expr.trim()).lex();
    const parsed = new Parser(lexed.tokens, Object.keys(contexts), functions).parse();
    const context = JSON.parse(JSON.stringify(contexts), data.reviver) as Expressions.data.Dictionary;
    return new Evaluator(parsed, context, new Map(functions.map((f) => [f.name.toLowerCase(), f]))).evaluate();
}

/** `name=value` lines and `name<<DELIMITER` blocks, as $GITHUB_OUTPUT and $GITHUB_ENV take them. */
function parseKeyValueFile(path: string): Record<string, string> {
    const lines = readIfThere(path).split("\n");
    const out: Record<string, string> = {};
    for (let i = 0; i < lines.length; i++) {
        const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
        if (heredoc) {
            const end = lines.indexOf(heredoc[2], i + 1);
            out[heredoc[1]] = lines.slice(i + 1, end).join("\n");
            i = end;
        } else if (lines[i].includes("=")) {
            const at = lines[i].indexOf("=");
            out[lines[i].slice(0, at)] = lines[i].slice(at + 1);
        }
    }
    return out;
}

const readIfThere = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : "");
const readLines = (path: string) => readIfThere(path).split("\n").filter(Boolean).reverse();

/** A folder on PATH holding `name` as a script: a stand-in for a command the runner has and this machine must not reach (gh). */
export function commandStandIn(dir: string, name: string, script: string): string {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, name), `#!/bin/bash\n${script}\n`, { mode: 0o755 });
    return dir;
}
