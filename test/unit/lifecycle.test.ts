import { describe, expect, it } from "vitest";
import { auditMessage, currentActor, parseAuditMessage } from "../../ops/change/audit";
import { ConfirmationRefusedError } from "../../ops/change/confirm";
import { runChange, type StackPort, UpdateFailedError, VerificationFailedError } from "../../ops/change/lifecycle";
import { planScaleReplicas } from "../../ops/commands/scale";
import { describeEdits } from "../../ops/plan/describe";
import { currentStackConfig } from "../support/platform";

/** Records what the lifecycle asks of the stack, in order. */
function recordingStack(options: { failUp?: boolean; failFirstUp?: boolean } = {}) {
    const calls: string[] = [];
    let version = 10;
    const stack: StackPort = {
        name: "local",
        async writeConfig(values) {
            calls.push(`write services.router.replicas=${(values.services as any)?.router?.replicas}`);
            return async () => void calls.push("restore the stack file");
        },
        async preview() {
            calls.push("preview");
            return "~ kubernetes:apps/v1:Deployment router-deployment: spec.replicas";
        },
        async up(message) {
            calls.push(`up ${message}`);
            if (options.failUp || (options.failFirstUp && calls.filter((c) => c.startsWith("up ")).length === 1))
                throw new Error("error: resource router-deployment failed");
            return {
                version: Promise.resolve(++version),
                diff: "   update   kubernetes:apps/v1:Deployment router-deployment: spec.replicas",
            };
        },
        async upWithRefresh(message) {
            calls.push(`up --refresh ${message}`);
            return { version: Promise.resolve(++version) };
        },
    };
    return { stack, calls };
}

const tag = { operation: "scale", reason: "traffic spike", actor: "alice" };
const plan = () => planScaleReplicas(currentStackConfig("local"), "router", 3);
const opts = (over: Partial<Parameters<typeof runChange>[3]> = {}) => ({
    tag,
    previewOnly: false,
    askFirst: true,
    noRevert: false,
    confirm: async () => undefined,
    report: () => undefined,
    ...over,
});
const verifier = (ok: boolean) => ({ verify: async () => ({ ok, detail: ok ? "router: 3/3 available" : "router: 1/3 available" }) });

describe("the change lifecycle", () => {
    it("hands the verifier the rollouts as the update left them", async () => {
        const { stack } = recordingStack();
        const asUpdated = [{ name: "router", desired: 3, updated: 3, available: 3, done: true }];
        const up = stack.up.bind(stack);
        stack.up = async (message) => ({ ...(await up(message)), rollouts: asUpdated });
        const seen: unknown[] = [];
        const recording = { verify: async (...args: unknown[]) => (seen.push(args), { ok: true, detail: "ok" }) };
        await runChange(plan(), stack, recording, opts({ askFirst: false }));
        expect(seen).toEqual([[["router"], undefined, asUpdated]]);
    });

    it("keeps the preview, the update and the revert to the plan's scope, and says so", async () => {
        const { stack } = recordingStack();
        const scopes: unknown[] = [];
        const { preview, up } = stack;
        stack.preview = async (refresh, scope) => (scopes.push(["preview", scope?.describe]), preview(refresh));
        stack.up = async (message, scope) => (scopes.push(["up", scope?.describe]), up(message));
        const lines: string[] = [];
        const error = await runChange(plan(), stack, verifier(false), opts({ report: (l) => lines.push(l) })).catch((e) => e);
        expect(error).toBeInstanceOf(VerificationFailedError);
        expect(scopes).toEqual([
            ["preview", "service router"],
            ["up", "service router"],
            ["up", "service router"],
        ]);
        expect(lines).toContain("scope: service router; the update leaves the rest of the stack as it is");
        expect(error.result.scope.describe).toBe("service router");
    });

    it("writes config, previews, confirms, updates with an audit message and verifies, in that order", async () => {
        const { stack, calls } = recordingStack();
        const result = await runChange(plan(), stack, verifier(true), opts());
        expect(calls).toEqual([
            "write services.router.replicas=3",
            "preview",
            "up mcp-ops scale: scale router to 3 replicas | reason: traffic spike | actor: alice",
        ]);
        expect(result).toMatchObject({ outcome: "applied", version: 11, verification: "router: 3/3 available" });
    });

    it("with --yes, shows the update's own diff instead of previewing first: one engine pass", async () => {
        const { stack, calls } = recordingStack();
        const lines: string[] = [];
        const result = await runChange(plan(), stack, verifier(true), opts({ askFirst: false, report: (l) => lines.push(l) }));
        expect(calls).toEqual([
            "write services.router.replicas=3",
            "up mcp-ops scale: scale router to 3 replicas | reason: traffic spike | actor: alice",
        ]);
        expect(result).toMatchObject({
            outcome: "applied",
            diff: "   update   kubernetes:apps/v1:Deployment router-deployment: spec.replicas",
        });
        expect(lines).toContain("   update   kubernetes:apps/v1:Deployment router-deployment: spec.replicas");
    });

    it("previews even with --yes when only a preview was asked for", async () => {
        const { stack, calls } = recordingStack();
        const result = await runChange(plan(), stack, verifier(true), opts({ askFirst: false, previewOnly: true }));
        expect(calls).toEqual(["write services.router.replicas=3", "preview", "restore the stack file"]);
        expect(result.outcome).toBe("previewed");
    });

    it("stops after the diff with --preview and puts the config back", async () => {
        const { stack, calls } = recordingStack();
        const result = await runChange(plan(), stack, verifier(true), opts({ previewOnly: true }));
        expect(calls).toEqual(["write services.router.replicas=3", "preview", "restore the stack file"]);
        expect(result.outcome).toBe("previewed");
    });

    it("changes nothing when the confirmation is refused", async () => {
        const { stack, calls } = recordingStack();
        const refuse = async () => {
            throw new ConfirmationRefusedError("not confirmed; nothing was changed");
        };
        await expect(runChange(plan(), stack, verifier(true), opts({ confirm: refuse }))).rejects.toThrow("not confirmed");
        expect(calls).toEqual(["write services.router.replicas=3", "preview", "restore the stack file"]);
    });

    it("reverts to the prior config as a new update when verification fails", async () => {
        const { stack, calls } = recordingStack();
        const error = await runChange(plan(), stack, verifier(false), opts()).catch((e) => e);
        expect(error).toBeInstanceOf(VerificationFailedError);
        expect(error.message).toBe("verification failed: router: 1/3 available; the previous config was restored as update 12");
        expect(error.exitCode).toBe(71);
        expect(calls.slice(3)).toEqual([
            "restore the stack file",
            "up mcp-ops revert: revert scale: scale router to 3 replicas | reason: traffic spike | actor: alice",
        ]);
    });

    it("keeps the change with --no-revert and says so", async () => {
        const { stack, calls } = recordingStack();
        await expect(runChange(plan(), stack, verifier(false), opts({ noRevert: true }))).rejects.toThrow(
            "verification failed and --no-revert was given, so the change stays: router: 1/3 available",
        );
        expect(calls).toHaveLength(3);
    });

    it("puts the stack file back when the update fails, and says what that means", async () => {
        const { stack, calls } = recordingStack({ failUp: true });
        const error = await runChange(plan(), stack, verifier(true), opts()).catch((e) => e);
        expect(error).toBeInstanceOf(UpdateFailedError);
        expect(error.message).toBe(
            "the update failed: error: resource router-deployment failed\n" +
                "The stack config was put back as it was; resources the update changed before it failed return to it with the next " +
                "update (mcp-ops drift shows them).",
        );
        expect(calls.at(-1)).toBe("restore the stack file");
    });

    it("reverts when the update itself fails on a rollout that never completes (the provider's wait ran out)", async () => {
        const { stack, calls } = recordingStack({ failFirstUp: true });
        const deadlines: Array<number | undefined> = [];
        const stuck = {
            verify: async (_: string[], deadlineMs?: number) => (
                deadlines.push(deadlineMs),
                { ok: false, detail: "router: 1/3 available" }
            ),
        };
        const error = await runChange(plan(), stack, stuck, opts()).catch((e) => e);
        expect(error).toBeInstanceOf(VerificationFailedError);
        expect(error.message).toBe("verification failed: router: 1/3 available; the previous config was restored as update 11");
        expect(error.result.outcome).toBe("reverted");
        // One short look at the rollouts: the provider has waited already.
        expect(deadlines).toEqual([5_000]);
        expect(calls.slice(3)).toEqual([
            "restore the stack file",
            "restore the stack file",
            "up mcp-ops revert: revert scale: scale router to 3 replicas | reason: traffic spike | actor: alice",
        ]);
    });

    it("settles with a refreshing update when a controller may undo part of the first (an HPA being removed)", async () => {
        const { stack, calls } = recordingStack();
        const result = await runChange(
            planScaleReplicas(currentStackConfig("staging"), "gateway", 3, { fixed: true }),
            stack,
            verifier(true),
            opts(),
        );
        expect(calls.slice(-2)).toEqual([
            "up mcp-ops scale: scale gateway to 3 replicas (the HPA is removed) | reason: traffic spike | actor: alice",
            "up --refresh mcp-ops scale: scale gateway to 3 replicas (the HPA is removed) (settle) | reason: traffic spike | actor: alice",
        ]);
        expect(result.version).toBe(12);
    });

    it("skips everything when the plan changes nothing", async () => {
        const { stack, calls } = recordingStack();
        const result = await runChange(planScaleReplicas(currentStackConfig("local"), "router", 1), stack, verifier(true), opts());
        expect(result.outcome).toBe("no-change");
        expect(calls).toEqual([]);
    });
});

describe("the audit message", () => {
    it("round-trips operation, reason and actor through the update message", () => {
        const message = auditMessage(tag, "scale router to 3 replicas");
        expect(parseAuditMessage(message)).toEqual({ ...tag, summary: "scale router to 3 replicas" });
        expect(parseAuditMessage("deploy abc123")).toBeUndefined();
    });

    it("names the actor from MCP_OPS_ACTOR, then the CI actor, then the user", () => {
        expect(currentActor({ MCP_OPS_ACTOR: "oncall-bot", GITHUB_ACTOR: "bob" })).toBe("oncall-bot");
        expect(currentActor({ GITHUB_ACTOR: "bob", USER: "root" })).toBe("bob");
        expect(currentActor({}, "carol")).toBe("carol");
    });
});

describe("a plan's edits as the preview prints them", () => {
    it("walks maps down to the values that change, sections added or removed included", () => {
        const edits = [
            {
                path: "services",
                from: { router: { replicas: 3, image: "r:1" }, gateway: { replicas: 2 } },
                to: { router: { replicas: 1, image: "r:1" }, gateway: { replicas: 2 } },
            },
            { path: "security", from: { rateLimit: { rps: 250, enabled: true } }, to: undefined },
            { path: "maintenance", from: undefined, to: true },
            { path: "tls", from: { dnsNames: ["a"] }, to: { dnsNames: ["a", "b"] } },
        ];
        expect(describeEdits(edits)).toEqual([
            "services.router.replicas: 3 -> 1",
            "security.rateLimit.enabled: true -> (unset)",
            "security.rateLimit.rps: 250 -> (unset)",
            "maintenance: (unset) -> true",
            'tls.dnsNames: ["a"] -> ["a","b"]',
        ]);
    });
});
