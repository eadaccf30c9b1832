import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { missingProviderSettings } from "../../platform/program";
import { readStackConfig, snapshotStackFile, writeStackConfigValues } from "../../ops/stack/stackFile";
import { REPO_ROOT } from "../support/platform";

describe("the stack file as ops commands write it", () => {
    let dir: string;
    const file = () => join(dir, "Pulumi.local.yaml");
    const text = () => readFileSync(file(), "utf8");

    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "mcp-stack-file-"));
        copyFileSync(join(REPO_ROOT, "Pulumi.local.yaml"), file());
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("writes booleans and numbers typed, so the stack stays valid (maintenance on, then off)", () => {
        writeStackConfigValues("local", dir, { maintenance: true });
        expect(parse(text()).config["mcp:maintenance"]).toBe(true);
        expect(readStackConfig("local", dir).maintenance).toBe(true);
        writeStackConfigValues("local", dir, { maintenance: false });
        expect(readStackConfig("local", dir).maintenance).toBe(false);
    });

    it("changes only the line of a nested value and keeps every comment", () => {
        const before = text();
        const services = parse(before).config["mcp:services"];
        writeStackConfigValues("local", dir, { services: { ...services, router: { ...services.router, replicas: 3 } } });
        const changed = text()
            .split("\n")
            .filter((line, i) => line !== before.split("\n")[i]);
        expect(changed).toEqual(["      replicas: 3"]);
        expect(text()).toContain("# The embedded default");
    });

    it("removes a key written as undefined", () => {
        writeStackConfigValues("local", dir, { maintenance: true });
        writeStackConfigValues("local", dir, { maintenance: undefined });
        expect(parse(text()).config).not.toHaveProperty("mcp:maintenance");
    });

    it("puts the file back byte for byte from a snapshot", () => {
        const before = text();
        const snapshot = snapshotStackFile("local", dir);
        writeStackConfigValues("local", dir, { security: { lockdown: true, rateLimit: { rps: 7 } }, maintenance: true });
        expect(text()).not.toBe(before);
        snapshot.restore();
        expect(text()).toBe(before);
    });
});

describe("Kubernetes provider settings the program relies on", () => {
    it.each(["local", "staging", "production"])("are set in the %s stack file", (stack) => {
        const config = parse(readFileSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")).config as Record<string, unknown>;
        const flat = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)]));
        expect(missingProviderSettings(flat)).toEqual([]);
    });

    it("are refused when missing, with the key, the reason and the fix", () => {
        expect(missingProviderSettings({ "kubernetes:enableSecretMutable": "true" })).toEqual([
            "kubernetes:enableConfigMapMutable must be true: otherwise a tuning change would replace the service's ConfigMap and its " +
                "Deployment (every pod at once) instead of rolling it; set it with: pulumi config set kubernetes:enableConfigMapMutable " +
                "true",
        ]);
    });
});
