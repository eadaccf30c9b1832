import { describe, expect, it } from "vitest";
import { parsePlatformConfig } from "../../config/load";
import { planCircuitBreaker } from "../../ops/commands/circuit-breaker";
import { planLockdown } from "../../ops/commands/lockdown";
import { planMaintenance } from "../../ops/commands/maintenance";
import { planRateLimit } from "../../ops/commands/rate-limit";
import { planResources } from "../../ops/commands/resources";
import { planRestart } from "../../ops/commands/restart";
import { planScaleBounds, planScaleReplicas } from "../../ops/commands/scale";
import { planRotationPhase } from "../../ops/plan/rotation";
import type { ChangeScope } from "../../ops/plan/scope";
import type { CurrentConfig, Plan } from "../../ops/plan/types";
import { currentStackConfig, deploy, rawStackConfig } from "../support/platform";

/** The engine's reading of a target glob (pkg/resource/deploy: `**` spans segments, `*` stays within one). */
function targetMatcher(glob: string): RegExp {
    const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    const segments = glob.split("**").map((part) => part.split("*").map(quote).join("[^:]*"));
    return new RegExp(`^${segments.join(".*")}$`);
}

const targeted = (scope: ChangeScope, urn: string) => scope.targets.some((glob) => targetMatcher(glob).test(urn));

/** Every resource the program declares, by URN, with its declared inputs as JSON. */
async function declared(raw: Record<string, unknown>): Promise<Map<string, string>> {
    const { resources, urns } = await deploy(parsePlatformConfig(raw));
    const inputsOf = new Map<string, string>();
    for (const r of resources) {
        const key = `${r.type}::${r.name}`;
        expect(inputsOf.has(key), `two resources named ${key}`).toBe(false);
        inputsOf.set(key, JSON.stringify(r.inputs));
    }
    const byUrn = new Map<string, string>();
    for (const { urn } of urns) {
        const [, , typeChain, ...name] = urn.split("::");
        byUrn.set(urn, inputsOf.get(`${typeChain.split("$").pop()}::${name.join("::")}`)!);
    }
    return byUrn;
}

/** URNs the change creates, deletes or declares with other inputs: what a full update would touch. */
async function touchedBy(current: CurrentConfig, plan: Plan): Promise<string[]> {
    const before = await declared(current.raw);
    const after = await declared(plan.config);
    return [...new Set([...before.keys(), ...after.keys()])].filter((urn) => before.get(urn) !== after.get(urn));
}

/** A stack with many MCP servers, as a large fleet has them. */
function fleet(extra: number): CurrentConfig {
    const raw = structuredClone(rawStackConfig("local"));
    for (let i = 0; i < extra; i++) raw.services[`mcp-extra-${i}`] = { ...raw.services["mcp-filesystem"] };
    return currentStackConfig("local", raw);
}

const local = () => currentStackConfig("local");
const production = () => currentStackConfig("production");
const now = new Date("2026-12-01T00:00:00Z");

const scopedChanges: Array<[string, () => CurrentConfig, (c: CurrentConfig) => Plan]> = [
    ["scale router 3", local, (c) => planScaleReplicas(c, "router", 3)],
    ["scale router --min 2 --max 4 (an HPA created)", local, (c) => planScaleBounds(c, "router", 2, 4)],
    ["scale gateway 4 --fixed (an HPA deleted)", production, (c) => planScaleReplicas(c, "gateway", 4, { fixed: true })],
    ["resources router", local, (c) => planResources(c, "router", { cpu: "700m", memory: "320Mi" })],
    ["restart mcp-memory", local, (c) => planRestart(c, ["mcp-memory"])],
    ["restart --all", production, (c) => planRestart(c, "all")],
    ["rate-limit 250", production, (c) => planRateLimit(c, 250, 500)],
    ["circuit-breaker", local, (c) => planCircuitBreaker(c, "errorThresholdPercent=30")],
    ["lockdown on", local, (c) => planLockdown(c, true)],
    ["lockdown on (production)", production, (c) => planLockdown(c, true)],
    ["maintenance on", local, (c) => planMaintenance(c, true)],
    ["maintenance on (production: backups, exporters)", production, (c) => planMaintenance(c, true)],
];

describe("an ops change updates only what it changes", () => {
    it.each(scopedChanges)("%s: every resource the change touches is targeted", async (_name, stack, planOf) => {
        const current = stack();
        const plan = planOf(current);
        expect(plan.scope, "this change should be scoped").toBeDefined();
        const touched = await touchedBy(current, plan);
        expect(touched.length).toBeGreaterThan(0);
        const missed = touched.filter((urn) => !targeted(plan.scope!, urn));
        expect(missed, `a scoped update would leave these behind; widen ops/plan/scope.ts`).toEqual([]);
    });

    it("finds a resource the scope leaves out (the check can fail)", async () => {
        const current = local();
        const plan = planRateLimit(current, 250, 500);
        const tooNarrow: ChangeScope = { describe: "router", targets: planScaleReplicas(current, "router", 3).scope!.targets };
        const missed = (await touchedBy(current, plan)).filter((urn) => !targeted(tooNarrow, urn));
        expect(missed.some((urn) => urn.endsWith("::gateway-config"))).toBe(true);
    });

    it("targets one service's resources whatever the size of the fleet", async () => {
        const current = fleet(40);
        const plan = planScaleReplicas(current, "router", 3);
        const all = [...(await declared(current.raw)).keys()];
        const hit = all.filter((urn) => targeted(plan.scope!, urn));
        expect(all.length).toBeGreaterThan(300);
        expect(hit.map((urn) => urn.split("::").pop()).sort()).toEqual([
            "router",
            "router-config",
            "router-deployment",
            "router-netpol",
            "router-sa",
            "router-service",
        ]);
    });

    it("leaves changes that reach across the platform to a whole-stack update", () => {
        expect(planRotationPhase(local(), ["redis-password"], "add", now).scope).toBeUndefined();
        expect(planScaleReplicas(local(), "router", 1).scope, "no change, no scope").toBeUndefined();
    });
});
