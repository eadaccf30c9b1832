import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ENGINE_PARALLELISM, stackEnvironment } from "../../ops/stack/environment";
import { REPO_ROOT } from "../support/platform";

describe("the engine's environment for a stack", () => {
    it("runs the platform's resource operations in parallel, unless the user says how many", () => {
        expect(stackEnvironment("/p", "staging", {}).PULUMI_PARALLEL).toBe(String(ENGINE_PARALLELISM));
        expect(stackEnvironment("/p", "staging", { PULUMI_PARALLEL: "4" }).PULUMI_PARALLEL).toBe("4");
    });

    it("is the workflows' too: CI's updates run as an operator's do", () => {
        for (const workflow of ["preview", "deploy", "drift"]) {
            const { env } = parse(readFileSync(join(REPO_ROOT, ".github", "workflows", `${workflow}.yml`), "utf8"));
            expect([workflow, env.PULUMI_PARALLEL]).toEqual([workflow, String(ENGINE_PARALLELISM)]);
        }
    });

    it("keeps the local stack's state in the project, and names no backend for the others", () => {
        expect(stackEnvironment("/p", "local", {}).PULUMI_BACKEND_URL).toBe("file:///p/.pulumi-state");
        expect(stackEnvironment("/p", "local", { PULUMI_BACKEND_URL: "s3://state" }).PULUMI_BACKEND_URL).toBe("s3://state");
        expect(stackEnvironment("/p", "production", {}).PULUMI_BACKEND_URL).toBeUndefined();
    });
});
