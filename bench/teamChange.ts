/**
 * npm run bench:team — what the team's change lock and the git record add to one ops change, against
 * a bare `pulumi up` with no change of a small stack in the same run (the real CLI and engine, the
 * config-only program of the integration tests): the lock taken and released in a file backend's
 * folder and in an S3 bucket (the Versity gateway on loopback), and an applied change committed on its
 * branch and pushed to a git remote on this machine. Medians of ROUNDS runs; nothing is asserted.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withChangeLock } from "../ops/change/changeLock";
import { recordInGit } from "../ops/change/git";
import { teamStore } from "../ops/change/teamStore";
import { Waiting } from "../ops/change/waiting";
import { PROJECT_NAME } from "../ops/stack/environment";
import { opsProject } from "../test/support/opsProject";
import { REPO_ROOT } from "../test/support/platform";
import { startS3Server } from "../test/support/s3Server";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(rounds: number, work: (round: number) => Promise<unknown>): Promise<number> {
    const ms: number[] = [];
    for (let i = 0; i < rounds; i++) {
        const started = performance.now();
        await work(i);
        ms.push(performance.now() - started);
    }
    return median(ms);
}

async function main(): Promise<void> {
    const root = mkdtempSync(join(tmpdir(), "mcp-bench-team-"));
    const s3 = await startS3Server();
    const project = await opsProject();
    Object.assign(process.env, s3.env);
    try {
        const stack = await project.open();
        await stack.up("bench: deploy");
        const bareUp = await timed(Math.min(ROUNDS, 5), () => stack.up("bench: a bare up"));

        const waiting = () => new Waiting(false, () => undefined);
        const nothing = async () => undefined;
        const fileStore = teamStore(`file://${join(root, "state")}`, PROJECT_NAME, project.dir);
        const s3Store = teamStore(s3.backendUrl, PROJECT_NAME, project.dir);
        const fileLock = await timed(ROUNDS, () =>
            withChangeLock({ store: fileStore, projectDir: project.dir }, "local", nothing, waiting()),
        );
        const s3Lock = await timed(ROUNDS, () => withChangeLock({ store: s3Store, projectDir: project.dir }, "local", nothing, waiting()));

        const remote = join(root, "remote.git");
        const checkout = join(root, "checkout");
        const git = (...args: string[]) => execFileSync("git", args, { cwd: root, stdio: "ignore" });
        git("init", "--quiet", "--bare", "--initial-branch=main", remote);
        git("clone", "--quiet", remote, checkout);
        copyFileSync(join(REPO_ROOT, "Pulumi.production.yaml"), join(checkout, "Pulumi.production.yaml"));
        git("-C", checkout, "add", ".");
        git("-C", checkout, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "--quiet", "-m", "initial");
        const record = await timed(ROUNDS, (round) =>
            recordInGit({
                projectDir: checkout,
                stack: "production",
                values: { maintenance: round % 2 === 0 },
                operation: "maintenance",
                summary: "maintenance",
                reason: "bench",
                actor: "bench",
                version: round + 1,
                edits: [{ path: "maintenance", from: undefined, to: round % 2 === 0 }],
            }),
        );

        const row = (what: string, ms: number) =>
            console.log(
                `  ${what.padEnd(58)} ${ms.toFixed(1).padStart(8)} ms   ${((100 * ms) / bareUp).toFixed(1).padStart(5)}% of a bare up`,
            );
        console.log(`medians of ${ROUNDS} rounds; a bare pulumi up with no change of the small stack: ${bareUp.toFixed(0)} ms`);
        row("change lock taken and released, file backend folder", fileLock);
        row("change lock taken and released, S3 bucket (If-None-Match)", s3Lock);
        row("change committed on its branch and pushed (no gh)", record);
    } finally {
        await s3.stop();
        project.remove();
        rmSync(root, { recursive: true, force: true });
    }
}

main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
});
