import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/platform";

/**
 * Declares a checked-in stack under mocks in a fresh Node process and answers whether @pulumi/aws
 * was loaded: a process of its own, so that no other test has loaded it first.
 */
async function loadsAwsSdk(stack: string): Promise<boolean> {
    const script = `
        require("tsx/cjs");
        const { deploy, stackConfig } = require("./test/support/platform.ts");
        deploy(stackConfig(process.argv[1])).then(() => {
            const loaded = Object.keys(require.cache).some((file) => file.includes("/node_modules/@pulumi/aws/"));
            process.stdout.write(JSON.stringify({ loaded }));
        });`;
    const { stdout } = await promisify(execFile)(process.execPath, ["-e", script, stack], { cwd: REPO_ROOT, timeout: 120_000 });
    return (JSON.parse(stdout) as { loaded: boolean }).loaded;
}

// Every ops command runs the program in-process: loading an SDK it does not use is start-up time spent for nothing.
describe("what the program loads", () => {
    it("leaves @pulumi/aws unloaded on a stack keeping backups on a volume (local)", async () => {
        expect(await loadsAwsSdk("local")).toBe(false);
    }, 150_000);

    it("loads @pulumi/aws for a stack with an S3 backup bucket (production): the check can fail", async () => {
        expect(await loadsAwsSdk("production")).toBe(true);
    }, 150_000);
});
