import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { privatePulumiHome, userPulumiHome } from "../support/pulumiHome";

describe("a private Pulumi home", () => {
    const user = mkdtempSync(join(tmpdir(), "mcp-user-home-"));
    afterAll(() => rmSync(user, { recursive: true, force: true }));

    it("shows the user's plugins, installs into them, and is removed without touching them", () => {
        mkdirSync(join(user, "plugins", "resource-random-v4.21.1"), { recursive: true });
        writeFileSync(join(user, "plugins", "resource-random-v4.21.1", "pulumi-resource-random"), "plugin");
        const { home, remove } = privatePulumiHome(user);
        expect(readFileSync(join(home, "plugins", "resource-random-v4.21.1", "pulumi-resource-random"), "utf8")).toBe("plugin");
        mkdirSync(join(home, "plugins", "resource-kubernetes-v4.32.0"));
        mkdirSync(join(home, "workspaces"));
        writeFileSync(join(home, "workspaces", "w.json"), "{}");
        remove();
        expect(existsSync(home)).toBe(false);
        expect(existsSync(join(user, "plugins", "resource-random-v4.21.1", "pulumi-resource-random"))).toBe(true);
        expect(existsSync(join(user, "plugins", "resource-kubernetes-v4.32.0"))).toBe(true);
        expect(existsSync(join(user, "workspaces"))).toBe(false);
    });

    it("is made beside a user home that has no plugins yet, creating its plugin folder", () => {
        const fresh = join(user, "fresh");
        const { remove } = privatePulumiHome(fresh);
        expect(existsSync(join(fresh, "plugins"))).toBe(true);
        remove();
    });

    it("stands for $PULUMI_HOME when set, else ~/.pulumi", () => {
        expect(userPulumiHome({ PULUMI_HOME: "/srv/pulumi" })).toBe("/srv/pulumi");
        expect(userPulumiHome({})).toMatch(/\/\.pulumi$/);
    });
});
