import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { editStackConfigText, stackFilePath } from "../stack/stackFile";

const run = promisify(execFile);

/** What recording a change in git did; every field is what happened, not what was meant to. */
export interface GitRecord {
    /** Why nothing was committed (not a git checkout, --no-git, …). */
    skipped?: string;
    branch?: string;
    commit?: string;
    /** The branch was pushed to this remote. */
    pushedTo?: string;
    pullRequest?: string;
    /** What is left to do by hand (push, open the pull request), as exact commands. */
    todo?: string[];
}

export interface ChangeForGit {
    projectDir: string;
    stack: string;
    /** The top-level `mcp:` values the change wrote (undefined: removed). */
    values: Record<string, unknown>;
    operation: string;
    summary: string;
    reason: string;
    actor: string;
    version?: number;
    edits: Array<{ path: string; from: unknown; to: unknown }>;
}

/** The branch an applied ops change is committed on: named for the stack and the update. */
export const opsBranch = (stack: string, version: number | undefined, operation: string) =>
    `mcp-ops/${stack}/update-${version ?? "unnumbered"}-${operation}`;

/**
 * Commits a change's stack-file edit on a branch of its own, made from HEAD with only that edit
 * applied to HEAD's version of the file, and pushes it; a pull request is opened when `gh` is there.
 * The commit is built with git's plumbing in a temporary index: the working tree, the index, the
 * current branch (or a detached HEAD) and anything uncommitted the operator has stay as they were.
 */
export async function recordInGit(change: ChangeForGit, env: NodeJS.ProcessEnv = process.env): Promise<GitRecord> {
    const git = (args: string[], extraEnv: NodeJS.ProcessEnv = {}, input?: string) =>
        gitIn(change.projectDir, args, { ...env, ...extraEnv }, input);
    const top = await git(["rev-parse", "--show-toplevel"]).catch(() => undefined);
    if (!top) return { skipped: `${change.projectDir} is not a git checkout` };
    const head = await git(["rev-parse", "--verify", "-q", "HEAD"]).catch(() => undefined);
    if (!head) return { skipped: "the checkout has no commit to branch from" };

    const file = relative(top, stackFilePath(change.stack, change.projectDir));
    const atHead = await git(["show", `${head}:${file}`], {}, undefined).catch(() => undefined);
    if (atHead === undefined) return { skipped: `${file} is not in HEAD's tree; commit it first` };
    const edited = editStackConfigText(atHead, change.values);
    if (edited === atHead) return { skipped: `HEAD's ${file} already has this change` };

    const blob = await git(["hash-object", "-w", "--stdin"], {}, edited);
    const scratch = mkdtempSync(join(tmpdir(), "mcp-ops-git-"));
    let tree: string;
    try {
        const index = { GIT_INDEX_FILE: join(scratch, "index") };
        await git(["read-tree", head], index);
        await git(["update-index", "--cacheinfo", `100644,${blob},${file}`], index);
        tree = await git(["write-tree"], index);
    } finally {
        rmSync(scratch, { recursive: true, force: true });
    }
    const commit = await git(["commit-tree", tree, "-p", head, "-F", "-"], await authorEnv(git, change.actor), commitMessage(change));
    const branch = await freeBranchName(git, opsBranch(change.stack, change.version, change.operation));
    await git(["update-ref", `refs/heads/${branch}`, commit, ""]);

    const record: GitRecord = { branch, commit };
    const remote = await pushRemote(git);
    const base = await baseBranch(git, remote);
    const title = `mcp-ops ${change.operation} on ${change.stack}: ${change.summary}`.slice(0, 200);
    const prCommand = ["gh", "pr", "create", "--head", branch, "--base", base, "--title", title, "--body-file", "-"];
    if (!remote) {
        record.todo = [`git push <remote> ${branch}`, `${quote(prCommand.slice(0, -2))} --body "merge before the next deploy"`];
        return record;
    }
    try {
        await git(["push", "--quiet", remote, `refs/heads/${branch}:refs/heads/${branch}`]);
        record.pushedTo = remote;
    } catch (error) {
        record.todo = [`git push ${remote} ${branch}   # failed here: ${firstLine(error)}`, quote(prCommand.slice(0, -2))];
        return record;
    }
    if (!(await has("gh", env))) {
        record.todo = [`${quote(prCommand.slice(0, -2))} --body "merge before the next deploy"`];
        return record;
    }
    try {
        const { stdout } = await runWithInput(prCommand, change.projectDir, env, pullRequestBody(change, branch));
        record.pullRequest = stdout.trim().split("\n").pop();
    } catch (error) {
        record.todo = [`${quote(prCommand.slice(0, -2))}   # failed here: ${firstLine(error)}`];
    }
    return record;
}

/** One line for the command's result. */
export function describeGitRecord(record: GitRecord): string {
    if (record.skipped) return `git: not recorded (${record.skipped})`;
    const parts = [`git: committed ${record.commit?.slice(0, 12)} on branch ${record.branch}`];
    if (record.pushedTo) parts.push(`pushed to ${record.pushedTo}`);
    if (record.pullRequest) parts.push(`pull request ${record.pullRequest}`);
    const todo = record.todo?.length
        ? `\n  still to do, so the next deploy keeps this change:\n${record.todo.map((t) => `    ${t}`).join("\n")}`
        : "";
    return parts.join(", ") + todo;
}

function commitMessage(c: ChangeForGit): string {
    const edits = c.edits.map((e) => `  ${e.path}: ${JSON.stringify(e.from) ?? "(unset)"} -> ${JSON.stringify(e.to) ?? "(unset)"}`);
    return [
        `mcp-ops ${c.operation} on ${c.stack}: ${c.summary}`,
        "",
        `operation: ${c.operation}`,
        `reason: ${c.reason}`,
        `actor: ${c.actor}`,
        `update: ${c.version ?? "unknown"}`,
        "",
        "Applied to the live stack by mcp-ops; merge this so the next deploy keeps it.",
        ...(edits.length ? ["", ...edits] : []),
    ].join("\n");
}

function pullRequestBody(c: ChangeForGit, branch: string): string {
    return [
        `\`mcp-ops ${c.operation}\` changed stack **${c.stack}** live (update ${c.version ?? "?"}), by ${c.actor}.`,
        "",
        `Reason: ${c.reason}`,
        "",
        "Until this is merged, `mcp-ops deploy-check` stops a deploy that would put the old values back.",
        "",
        ...c.edits.map((e) => `- \`${e.path}\`: \`${JSON.stringify(e.from) ?? "(unset)"}\` → \`${JSON.stringify(e.to) ?? "(unset)"}\``),
        "",
        `Branch: \`${branch}\``,
    ].join("\n");
}

/** The committer is the operator's git identity; without one, the actor at this host. */
async function authorEnv(git: GitRunner, actor: string): Promise<NodeJS.ProcessEnv> {
    const email = await git(["config", "user.email"]).catch(() => "");
    const name = await git(["config", "user.name"]).catch(() => "");
    if (email && name) return {};
    const fallback = { name: name || actor, email: email || `${actor}@${hostname()}` };
    return {
        GIT_AUTHOR_NAME: fallback.name,
        GIT_AUTHOR_EMAIL: fallback.email,
        GIT_COMMITTER_NAME: fallback.name,
        GIT_COMMITTER_EMAIL: fallback.email,
    };
}

/** The branch name, or with a suffix when it exists (an update number can repeat across stacks' histories). */
async function freeBranchName(git: GitRunner, name: string): Promise<string> {
    for (let i = 1; ; i++) {
        const candidate = i === 1 ? name : `${name}-${i}`;
        const exists = await git(["rev-parse", "--verify", "-q", `refs/heads/${candidate}`]).catch(() => undefined);
        if (!exists) return candidate;
    }
}

/** The remote the current branch pushes to, else `origin`, else the only remote; undefined when there is none. */
async function pushRemote(git: GitRunner): Promise<string | undefined> {
    const upstream = await git(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{push}"]).catch(() => undefined);
    if (upstream?.includes("/")) return upstream.split("/")[0];
    const remotes = (await git(["remote"]).catch(() => "")).split("\n").filter(Boolean);
    return remotes.includes("origin") ? "origin" : remotes.length === 1 ? remotes[0] : undefined;
}

/** What the pull request merges into: the remote's default branch, else main. */
async function baseBranch(git: GitRunner, remote: string | undefined): Promise<string> {
    if (!remote) return "main";
    const head = await git(["symbolic-ref", "--short", `refs/remotes/${remote}/HEAD`]).catch(() => undefined);
    return head ? head.slice(remote.length + 1) : "main";
}

type GitRunner = (args: string[], extraEnv?: NodeJS.ProcessEnv, input?: string) => Promise<string>;

async function gitIn(cwd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<string> {
    const { stdout } = await runWithInput(["git", ...args], cwd, { ...env, GIT_TERMINAL_PROMPT: "0" }, input);
    return stdout.trim();
}

function runWithInput(argv: string[], cwd: string, env: NodeJS.ProcessEnv, input?: string): Promise<{ stdout: string }> {
    const child = run(argv[0], argv.slice(1), { cwd, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    // A command that reads no input may exit before it is written: its exit status tells, not the pipe.
    child.child.stdin?.on("error", () => undefined);
    if (input === undefined) child.child.stdin?.end();
    else child.child.stdin?.end(input);
    return child;
}

async function has(command: string, env: NodeJS.ProcessEnv): Promise<boolean> {
    return run("sh", ["-c", `command -v ${command}`], { env }).then(
        () => true,
        () => false,
    );
}

const firstLine = (error: unknown) =>
    String((error as { stderr?: string }).stderr || (error as Error).message)
        .trim()
        .split("\n")[0];

const quote = (argv: string[]) => argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
