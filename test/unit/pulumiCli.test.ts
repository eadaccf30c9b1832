import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findPulumiCli, MINIMUM_PULUMI_VERSION, pulumiCli } from "../../ops/stack/pulumiCli";

const dir = mkdtempSync(join(tmpdir(), "mcp-pulumi-cli-"));
// A CLI outside a bin folder gets a root in the cache: this test's cache is its own folder.
const cacheHome = process.env.XDG_CACHE_HOME;
process.env.XDG_CACHE_HOME = join(dir, "cache");
afterAll(() => {
    if (cacheHome === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = cacheHome;
    rmSync(dir, { recursive: true, force: true });
});

/** A stand-in CLI that answers `pulumi version` as a CLI of `version` does; the real CLIs are tested end to end. */
function cliOf(version: string, where = join(dir, version, "bin")): string {
    mkdirSync(where, { recursive: true });
    const path = join(where, "pulumi");
    writeFileSync(path, `#!/bin/sh\n[ "$1" = version ] && echo ${version}\n`);
    chmodSync(path, 0o755);
    return path;
}

describe("the Pulumi CLI mcp-ops runs", () => {
    it("is $MCP_PULUMI, else the first pulumi on PATH", () => {
        const first = cliOf("v3.259.0");
        const second = cliOf("v3.274.1");
        expect(findPulumiCli({ PATH: [join(dir, "nowhere"), join(dir, "v3.259.0", "bin"), join(dir, "v3.274.1", "bin")].join(":") })).toBe(
            first,
        );
        expect(findPulumiCli({ PATH: join(dir, "v3.259.0", "bin"), MCP_PULUMI: second })).toBe(second);
    });

    it("when there is none, says so with how to install or name one", () => {
        expect(() => findPulumiCli({ PATH: join(dir, "nowhere") })).toThrow(
            /no Pulumi CLI: `pulumi` is not on PATH\. Install Pulumi v3\.259\.0 or newer .* MCP_PULUMI=<path to pulumi>/,
        );
        writeFileSync(join(dir, "not-a-cli"), "");
        expect(() => findPulumiCli({ MCP_PULUMI: join(dir, "not-a-cli") })).toThrow(
            `MCP_PULUMI names ${join(dir, "not-a-cli")}, which is not an executable file`,
        );
    });

    it("takes the minimum version and newer ones of the same major version, wherever the executable lives", async () => {
        expect((await pulumiCli(cliOf(`v${MINIMUM_PULUMI_VERSION}`))).command.version?.toString()).toBe(String(MINIMUM_PULUMI_VERSION));
        expect((await pulumiCli(cliOf("v3.274.1"))).command.version?.toString()).toBe("3.274.1");
        // Not in a bin folder: run through a root of its own that links to it.
        const loose = cliOf("v3.260.0", join(dir, "opt", "pulumi-3.260.0"));
        const cli = await pulumiCli(loose);
        expect(cli.command.version?.toString()).toBe("3.260.0");
        expect(cli.pluginDir).toBe(join(dir, "opt", "pulumi-3.260.0"));
    });

    it("refuses an older CLI or another major version before anything runs, naming both versions", async () => {
        const old = cliOf("v3.200.0");
        await expect(pulumiCli(old)).rejects.toThrow(
            `the Pulumi CLI at ${old} is v3.200.0; mcp-ops needs v3.259.0 or a newer v3: upgrade it, or name another with ` +
                "MCP_PULUMI=<path>",
        );
        await expect(pulumiCli(cliOf("v4.0.0"))).rejects.toThrow(/is v4\.0\.0; mcp-ops needs v3\.259\.0 or a newer v3/);
    });
});
