import * as pulumi from "@pulumi/pulumi";
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
import type { UrnRecord } from "../support/urns";

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

/** A value with every Output in it resolved, as the stack's outputs are recorded. */
const resolved = (value: object) => new Promise((resolve) => pulumi.output(value).apply(resolve));

/**
 * What the engine lets a targeted update delete when the program does not declare it: the targets
 * and whatever depends on them or is their child, transitively (step_generator.go getTargetDependents).
 */
function reachOf(records: UrnRecord[], targets: string[]): Set<string> {
    const reach = new Set(targets);
    for (let grew = true; grew;) {
        grew = false;
        for (const r of records) {
            if (reach.has(r.urn) || !(reach.has(r.parent) || r.dependencies.some((dep) => reach.has(dep)))) continue;
            reach.add(r.urn);
            grew = true;
        }
    }
    return reach;
}

/** Runs the full program and the one of the scope's services on the config after the change. */
async function bothPrograms(plan: Plan) {
    const config = parsePlatformConfig(plan.config);
    const full = await deploy(config);
    const fullOutputs = await resolved(full.outputs);
    const partial = await deploy(config, undefined, plan.scope!.services);
    return { full, fullOutputs, partial, declared: new Set(partial.urns.map((r) => r.urn)) };
}

describe("a change to services runs only their part of the program", () => {
    const serviceChanges = scopedChanges.filter(([, stack, planOf]) => planOf(stack()).scope?.services);

    it("covers the changes that scope to services", () => {
        expect(serviceChanges.map(([name]) => name)).toEqual(
            scopedChanges.map(([name]) => name).filter((name) => !name.startsWith("lockdown")),
        );
    });

    it.each(serviceChanges)(
        "%s: declares what it targets and what depends on it, with the same stack outputs",
        async (_name, stack, planOf) => {
            const plan = planOf(stack());
            const { full, fullOutputs, partial, declared } = await bothPrograms(plan);
            const targets = full.urns.map((r) => r.urn).filter((urn) => targeted(plan.scope!, urn));
            expect(targets.length).toBeGreaterThan(0);
            const undeclared = [...reachOf(full.urns, targets)].filter((urn) => !declared.has(urn));
            expect(undeclared, "a scoped update would delete these; declare them in the services program").toEqual([]);
            const fullUrns = new Set(full.urns.map((r) => r.urn));
            expect(
                [...declared].filter((urn) => !fullUrns.has(urn)),
                "declared only by the services program",
            ).toEqual([]);
            const leftOut = [...fullUrns].filter((urn) => !declared.has(urn));
            expect(
                leftOut.filter((urn) => !urn.includes("::mcp:service:McpService")),
                "left out beyond the fleet's services",
            ).toEqual([]);
            expect(await resolved(partial.outputs)).toEqual(fullOutputs);
        },
    );

    it("finds what depends on a target but is left out (the check can fail)", async () => {
        const plan = planScaleReplicas(local(), "router", 3);
        const { full, declared } = await bothPrograms(plan);
        const namespace = full.urns.find((r) => r.urn.endsWith("Namespace::platform-namespace"))!.urn;
        const undeclared = [...reachOf(full.urns, [namespace])].filter((urn) => !declared.has(urn));
        expect(undeclared.some((urn) => urn.endsWith("::mcp-memory-deployment"))).toBe(true);
    });

    it("declares as much for a change to the router with 40 more MCP servers as without them", async () => {
        const declaredFor = async (current: CurrentConfig) => (await bothPrograms(planScaleReplicas(current, "router", 3))).declared.size;
        expect(await declaredFor(fleet(40))).toBe(await declaredFor(local()));
    });
});
