import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { installPlugins, missingPlugins, missingPluginsMessage, REQUIRED_PLUGINS } from "../../ops/stack/plugins";
import { pulumiCliForTests } from "../support/opsProject";

// The real Pulumi CLI with an empty plugin cache, its plugin source pointed at a closed loopback
// port: what local:up and test:e2e do on a machine that cannot download plugins.
describe("provider plugins", () => {
    const home = mkdtempSync(join(tmpdir(), "mcp-pulumi-home-"));
    const pulumi = pulumiCliForTests();
    const env = {
        ...process.env,
        PULUMI_HOME: home,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES: "^.*$=http://127.0.0.1:9",
    };
    afterAll(() => rmSync(home, { recursive: true, force: true }));

    it("are installed the normal way, and where that fails each is named with the command that installs it", () => {
        const missing = missingPlugins(pulumi, env);
        expect(missing.map((p) => `${p.name} ${p.version}`)).toEqual(REQUIRED_PLUGINS.map((p) => `${p.name} ${p.version}`));
        const lines: string[] = [];
        const failed = installPlugins(pulumi, env, missing, (line) => lines.push(line));
        expect(lines).toEqual(REQUIRED_PLUGINS.map((p) => `installing resource plugin ${p.name} v${p.version} ...`));
        expect(failed.map((p) => p.name)).toEqual(["kubernetes", "random"]);
        const message = missingPluginsMessage(pulumi, failed);
        for (const p of REQUIRED_PLUGINS) expect(message).toContain(`${pulumi} plugin install resource ${p.name} v${p.version}`);
        expect(message).toMatch(/kubernetes: .*failed/);
    });
});
