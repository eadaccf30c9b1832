import { describe, expect, it } from "vitest";
import { confirmChange } from "../../ops/change/confirm";
import { planCircuitBreaker } from "../../ops/commands/circuit-breaker";
import { planLockdown } from "../../ops/commands/lockdown";
import { planMaintenance } from "../../ops/commands/maintenance";
import { planRateLimit } from "../../ops/commands/rate-limit";
import { planResources } from "../../ops/commands/resources";
import { planRestart } from "../../ops/commands/restart";
import { planRollback } from "../../ops/commands/rollback";
import { checkSecretNames, nextPhase, phasesToRun, planRotationPhase, retireDueInMs, rotationStatus } from "../../ops/plan/rotation";
import { planScaleBounds, planScaleReplicas } from "../../ops/commands/scale";
import type { HistoryEntry } from "../../ops/stack/history";
import { currentStackConfig, rawStackConfig } from "../support/platform";

const local = () => currentStackConfig("local");
const staging = () => currentStackConfig("staging");
const localRaw = () => rawStackConfig("local");

const history: HistoryEntry[] = [
    {
        version: 3,
        result: "succeeded",
        message: "mcp-ops scale gateway 5",
        startTime: "2026-11-20T10:00:00Z",
        config: {
            "mcp:environment": { value: "local", secret: false },
            "mcp:services": {
                value: JSON.stringify({ ...localRaw().services, gateway: { ...localRaw().services.gateway, replicas: 5 } }),
                secret: false,
            },
        },
    },
    { version: 2, result: "failed", startTime: "2026-11-19T10:00:00Z", config: { "mcp:environment": { value: "local", secret: false } } },
    {
        version: 1,
        result: "succeeded",
        message: "deploy",
        startTime: "2026-11-18T10:00:00Z",
        config: Object.fromEntries(
            Object.entries(localRaw()).map(([k, v]) => [
                `mcp:${k}`,
                { value: typeof v === "string" ? v : JSON.stringify(v), secret: false },
            ]),
        ),
    },
];

const BAD: Array<[string, () => unknown, string | RegExp]> = [
    [
        "an unknown service",
        () => planScaleReplicas(local(), "billing", 2),
        'unknown service "billing"; this stack has: gateway, router, mcp-filesystem, mcp-memory',
    ],
    ["negative replicas", () => planScaleReplicas(local(), "router", -1), "mcp:services.router.replicas (-1) must be >= 0"],
    [
        "fractional replicas",
        () => planScaleReplicas(local(), "router", 1.5),
        "mcp:services.router.replicas must be a whole number, got 1.5",
    ],
    [
        "replicas above the guardrail",
        () => planScaleReplicas(local(), "router", 51),
        "scale would make the stack config invalid; nothing was changed:\n  - mcp:services.router.replicas (51) exceeds " +
            "guardrails.maxReplicas (50); lower it or raise mcp:guardrails.maxReplicas",
    ],
    [
        "fixed replicas for an autoscaled service",
        () => planScaleReplicas(staging(), "gateway", 3),
        "gateway is autoscaled (HPA 2-6), so its replicas belong to the HPA; use --min/--max, or pass --fixed to remove the HPA and run " +
            "exactly 3",
    ],
    ["min above max", () => planScaleBounds(staging(), "gateway", 5, 3), "mcp:services.gateway.maxReplicas (3) must be >= minReplicas (5)"],
    ["a zero minimum", () => planScaleBounds(staging(), "gateway", 0, 3), "mcp:services.gateway.minReplicas (0) must be >= 1"],
    [
        "a maximum above the guardrail",
        () => planScaleBounds(staging(), "gateway", 2, 80),
        "mcp:services.gateway.maxReplicas (80) exceeds guardrails.maxReplicas (50); lower it or raise mcp:guardrails.maxReplicas",
    ],
    [
        "resources without any value",
        () => planResources(local(), "router", {}),
        "give at least one of --cpu, --memory, --request-cpu, --request-memory",
    ],
    [
        "an unreadable CPU quantity",
        () => planResources(local(), "router", { cpu: "two" }),
        'mcp:services.router.resources.limits.cpu must be a CPU quantity such as "250m" or "2"',
    ],
    [
        "an unreadable memory quantity",
        () => planResources(local(), "router", { memory: "1GB" }),
        'mcp:services.router.resources.limits.memory must be a memory quantity such as "256Mi" or "2Gi"',
    ],
    [
        "a limit below the request",
        () => planResources(local(), "router", { memory: "64Mi" }),
        new RegExp(
            String.raw`resources would make the stack config invalid; nothing was changed:\n {2}- ` +
                String.raw`mcp:services\.router\.resources\.requests\.memory \(128Mi\) must be <= limits\.memory \(64Mi\)`,
        ),
    ],
    [
        "a limit above the guardrail",
        () => planResources(local(), "router", { cpu: "16" }),
        /mcp:services\.router\.resources\.limits\.cpu \(16\) exceeds guardrails\.maxCpu/,
    ],
    ["restarting nothing", () => planRestart(local(), []), "name a service to restart, or pass --all"],
    [
        "restarting an unknown service",
        () => planRestart(local(), ["gatway"]),
        'unknown service "gatway"; this stack has: gateway, router, mcp-filesystem, mcp-memory',
    ],
    [
        "rotating an unknown secret",
        () => checkSecretNames(local().config, ["api-token"]),
        'unknown secret "api-token"; this stack has: redis-password, postgres-password, gateway-jwt-signing-key',
    ],
    ["rotating nothing", () => checkSecretNames(local().config, []), "name a secret to rotate, or pass --all"],
    [
        "a zero rate",
        () => planRateLimit(local(), 0),
        "rate-limit would make the stack config invalid; nothing was changed:\n  - mcp:security.rateLimit.rps (0) must be >= 1",
    ],
    ["a burst below the rate", () => planRateLimit(local(), 100, 10), "mcp:security.rateLimit.burst (10) must be >= rateLimit.rps (100)"],
    [
        "an unknown circuit breaker key",
        () => planCircuitBreaker(local(), "threshold=50"),
        '"threshold=50" is not a circuit breaker setting; use key=value with keys enabled, errorThresholdPercent, openSeconds, ' +
            "halfOpenRequests, or on/off",
    ],
    [
        "a circuit breaker threshold out of range",
        () => planCircuitBreaker(local(), "errorThresholdPercent=150"),
        /mcp:security\.circuitBreaker\.errorThresholdPercent \(150\) must be <= 100/,
    ],
    [
        "a rollback to an update that does not exist",
        () => planRollback(local(), history, { to: 9 }),
        "update 9 is not in the stack history; recent updates: 3, 2, 1",
    ],
    [
        "a rollback to a failed update",
        () => planRollback(local(), history, { to: 2 }),
        "update 2 failed; roll back to an update that succeeded",
    ],
    ["a rollback without a target", () => planRollback(local(), history, {}), "say where to roll back to: --to <update> or --last-good"],
    [
        "a rollback with no history",
        () => planRollback(local(), [], { lastGood: true }),
        "the stack has no recorded updates to roll back to",
    ],
];

describe("ops command planning", () => {
    it.each(BAD)("refuses %s with a message saying what to do, before anything changes", (_, plan, message) => {
        if (typeof message === "string") expect(plan).toThrowError(message);
        else expect(plan).toThrowError(message);
    });

    it("has at least 20 distinct bad inputs", () => {
        expect(new Set(BAD.map(([, , m]) => String(m))).size).toBeGreaterThanOrEqual(20);
    });

    it("scales a fixed-count service by editing its replicas only", () => {
        const plan = planScaleReplicas(local(), "router", 3);
        expect(plan.edits).toEqual([{ path: "services.router.replicas", from: 1, to: 3 }]);
        expect(plan.changes.map((c) => c.key)).toEqual(["services"]);
        expect(plan.rollouts).toEqual(["router"]);
        expect(plan.noop).toBe(false);
    });

    it("hands a service to an HPA by replacing replicas with bounds", () => {
        const plan = planScaleBounds(local(), "router", 2, 6);
        expect(plan.edits).toEqual([
            { path: "services.router.replicas", from: 1, to: undefined },
            { path: "services.router.minReplicas", from: undefined, to: 2 },
            { path: "services.router.maxReplicas", from: undefined, to: 6 },
        ]);
        expect((plan.config.services as any).router.replicas).toBeUndefined();
    });

    it("takes replicas back from an HPA with --fixed, removing its bounds", () => {
        const plan = planScaleReplicas(staging(), "gateway", 3, { fixed: true });
        expect(plan.edits).toEqual([
            { path: "services.gateway.replicas", from: undefined, to: 3 },
            { path: "services.gateway.minReplicas", from: 2, to: undefined },
            { path: "services.gateway.maxReplicas", from: 6, to: undefined },
        ]);
        expect(plan.summary).toBe("scale gateway to 3 replicas (the HPA is removed)");
    });

    it("knows when nothing would change", () => {
        expect(planScaleReplicas(local(), "router", 1).noop).toBe(true);
        expect(planLockdown(local(), false).noop).toBe(true);
    });

    it("restarts by bumping epochs, one service or all", () => {
        expect(planRestart(local(), ["gateway"]).edits).toEqual([{ path: "services.gateway.restartEpoch", from: undefined, to: 1 }]);
        expect(planRestart(local(), "all").rollouts).toEqual(["gateway", "router", "mcp-filesystem", "mcp-memory"]);
    });

    it("rotates a store password in three phases: only the roll restarts its consumers", () => {
        const now = new Date("2026-12-01T10:00:00Z");
        const add = planRotationPhase(local(), ["redis-password"], "add", now);
        expect(add.edits).toEqual([
            { path: "secrets.redis-password", from: undefined, to: { rotationEpoch: 1, rotation: { phase: "added", from: 0 } } },
        ]);
        expect(add.rollouts).toEqual([]);
        expect(add.summary).toBe("rotate redis-password (0 -> 1), add: accept the new value beside the current one; consumers roll: none");

        const added = currentStackConfig("local", { ...localRaw(), ...add.config });
        expect(nextPhase(added.config.secrets["redis-password"])).toBe("roll");
        const roll = planRotationPhase(added, ["redis-password"], "roll", now);
        expect(roll.edits[0].to).toEqual({
            rotationEpoch: 1,
            rotation: { phase: "rolled", from: 0, rolledAt: Date.parse("2026-12-01T10:00:00Z") / 1000 },
        });
        expect(roll.rollouts).toEqual(["gateway", "router"]);

        const rolled = currentStackConfig("local", { ...localRaw(), ...roll.config });
        const secret = rolled.config.secrets["redis-password"];
        expect(retireDueInMs(secret, new Date("2026-12-01T10:00:45Z"))).toBe(15_000);
        expect(retireDueInMs(secret, new Date("2026-12-01T10:01:05Z"))).toBe(0);
        expect(rotationStatus(rolled.config, new Date("2026-12-01T10:00:45Z")).find((s) => s.secret === "redis-password")).toEqual({
            secret: "redis-password",
            generation: 1,
            phase: "rolled",
            accepted: [0, 1],
            next: "retire",
            retireDueInSeconds: 15,
            external: false,
        });
        const retire = planRotationPhase(rolled, ["redis-password"], "retire", now);
        expect(retire.edits[0].to).toEqual({ rotationEpoch: 1 });
        expect(retire.rollouts).toEqual([]);
        expect(JSON.stringify([add, roll, retire])).not.toMatch(/SECRET|password":\s*"/);
    });

    it("runs every phase left to any of the secrets, or only the one asked for if it is each one's next", () => {
        const mixed = currentStackConfig("local", {
            ...localRaw(),
            secrets: { "redis-password": { rotationEpoch: 1, rotation: { phase: "rolled", from: 0 } } },
        }).config;
        expect(phasesToRun(mixed, ["redis-password"])).toEqual(["retire"]);
        expect(phasesToRun(mixed, ["redis-password", "postgres-password"])).toEqual(["add", "roll", "retire"]);
        expect(phasesToRun(mixed, ["redis-password"], "retire")).toEqual(["retire"]);
        expect(() => phasesToRun(mixed, ["redis-password", "postgres-password"], "retire")).toThrow(
            "postgres-password's next phase is add; run --phase add (mcp-ops rotate --status shows each secret's)",
        );
    });

    it("rolls the readers of a key set at every phase: they must verify the new key before anyone signs with it", () => {
        const phases = (["add", "roll", "retire"] as const).reduce(
            (acc, phase) => {
                const plan = planRotationPhase(acc.current, ["gateway-jwt-signing-key"], phase, new Date());
                return {
                    current: currentStackConfig("local", { ...localRaw(), ...plan.config }),
                    rollouts: [...acc.rollouts, plan.rollouts],
                };
            },
            { current: local(), rollouts: [] as string[][] },
        );
        expect(phases.rollouts).toEqual([["gateway"], ["gateway"], ["gateway"]]);
    });

    it("switches lockdown, rate limit, circuit breaker and maintenance through config", () => {
        expect(planLockdown(local(), true).edits).toEqual([{ path: "security.lockdown", from: undefined, to: true }]);
        expect(planRateLimit(local(), 10).edits[0].to).toEqual({ enabled: true, rps: 10, burst: 200 });
        expect(planCircuitBreaker(local(), "errorThresholdPercent=25,openSeconds=60").edits[0].to).toEqual({
            enabled: true,
            errorThresholdPercent: 25,
            openSeconds: 60,
            halfOpenRequests: 5,
        });
        expect(planCircuitBreaker(local(), "off").edits[0].to).toMatchObject({ enabled: false });
        expect(planMaintenance(local(), true).rollouts).toEqual(["gateway", "router", "mcp-memory"]);
    });

    it("rolls back to the last good update, restoring its config as a new change", () => {
        const current = currentStackConfig("local", {
            ...localRaw(),
            services: { ...localRaw().services, gateway: { ...localRaw().services.gateway, replicas: 5 } },
        });
        const plan = planRollback(current, history, { lastGood: true });
        expect(plan.summary).toBe("restore the config of update 1 (2026-11-18T10:00:00Z: deploy)");
        expect((plan.config.services as any).gateway.replicas).toBe(2);
        expect(plan.edits.map((e) => e.path)).toEqual(["services"]);
    });
});

describe("confirmation", () => {
    const base = { stack: "production", environment: "production" as const, yes: false, interactive: true, ask: async () => "" };

    it("refuses production without a terminal or --yes, and asks for the stack name on a terminal", async () => {
        await expect(confirmChange("scale gateway", { ...base, interactive: false })).rejects.toThrow(
            'not applying "scale gateway" to production: no terminal to confirm on; review the preview above and pass --yes to apply',
        );
        await expect(confirmChange("scale gateway", { ...base, ask: async () => "staging" })).rejects.toThrow(
            '"staging" is not "production"; nothing was changed',
        );
        await expect(confirmChange("scale gateway", { ...base, ask: async () => "production" })).resolves.toBeUndefined();
        await expect(confirmChange("scale gateway", { ...base, interactive: false, yes: true })).resolves.toBeUndefined();
    });

    it("asks y/N elsewhere and treats anything but yes as no", async () => {
        const staging = { ...base, stack: "staging", environment: "staging" as const };
        await expect(confirmChange("restart router", { ...staging, ask: async () => "" })).rejects.toThrow(
            "not confirmed; nothing was changed",
        );
        await expect(confirmChange("restart router", { ...staging, ask: async () => "y" })).resolves.toBeUndefined();
    });
});
