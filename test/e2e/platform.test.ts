import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planToolLock } from "../../ops/commands/tools";
import { summarizeEvents } from "../../ops/review/summarize";
import { readRawStackConfig, writeStackConfigValues } from "../../ops/stack/stackFile";
import { parsePlatformConfig } from "../../config/load";
import { startMcpServer } from "../support/mcpServer";
import { lockFiles } from "../support/engineLocks";
import type { AutomationStack } from "../../ops/stack/automation";
import { stackEnvironment } from "../../ops/stack/environment";
import { type E2eProject, e2eProject, eventually, killTree, liveUids, measureChange, NAMESPACE, notFound, revisions } from "./support";

/**
 * The platform on the real Pulumi engine, the real Kubernetes provider and the local cluster's
 * real API server; every ops command run as a user runs it, asserted on the live objects.
 * The tests run in order on one deployed stack.
 */
/** A project's local stack config as a command reads it. */
function currentConfigOf(dir: string) {
    const raw = readRawStackConfig("local", dir);
    return { raw, config: parsePlatformConfig(raw) };
}

describe("the local stack end to end", () => {
    let project: E2eProject;
    let stack: AutomationStack;
    const timings: Array<{ command: string; ms: number; bareUpMs?: number }> = [];
    const stackFile = () => project.stackFile();
    const config = () => parse(stackFile()).config;
    const sha = (value: string | undefined) =>
        createHash("sha256")
            .update(value ?? "")
            .digest("hex");
    const deployment = (name: string) => project.kube.apps.readNamespacedDeployment({ name, namespace: NAMESPACE });

    /**
     * Runs a change command with --yes, checks it applied, and records its time beside a bare `pulumi up` of the same change.
     * A scoped change (an update targeting only what it changes) must leave the stack where a whole-stack update would:
     * a full preview right after it shows no change.
     */
    async function change(
        args: string[],
        scope?: string,
    ): Promise<{ uidsBefore: Record<string, string>; revisionsBefore: Record<string, string> }> {
        const uidsBefore = await liveUids(project.kube);
        const revisionsBefore = await revisions(project.kube);
        const measured = await measureChange(project, stack, args, async (result) => {
            expect(result.scope?.describe, `${args.join(" ")}: the targets of its update`).toBe(scope);
            if (scope) expect(summarizeEvents(await stack.previewEvents()).changes, "left behind by the scoped update").toEqual([]);
        });
        expect(measured.run.code, `${args.join(" ")}: ${measured.run.stderr}`).toBe(0);
        expect(measured.result?.outcome).toBe("applied");
        // A change that settles (an HPA removed) is compared with a bare up plus the same settling update.
        timings.push({ command: `mcp-ops ${args.join(" ")} --yes`, ms: measured.run.ms, bareUpMs: measured.bareSettledMs });
        return { uidsBefore, revisionsBefore };
    }

    async function expectSameObjects(uidsBefore: Record<string, string>) {
        const now = await liveUids(project.kube);
        for (const [object, uid] of Object.entries(uidsBefore)) {
            if (now[object] !== undefined) expect(now[object], `${object} was replaced`).toBe(uid);
        }
    }

    /** Which Deployments got a new revision (their pods rolled) since `before`. */
    async function rolled(before: Record<string, string>): Promise<string[]> {
        const now = await revisions(project.kube);
        return Object.keys(now)
            .filter((d) => now[d] !== before[d])
            .sort();
    }

    beforeAll(async () => {
        project = await e2eProject();
        stack = await project.stack();
    });

    afterAll(async () => {
        if (timings.length > 0) {
            console.log(
                [
                    "command wall time against a bare pulumi up of the same config change:",
                    ...timings.map((t) => {
                        const bare = t.bareUpMs
                            ? `   bare up ${String(t.bareUpMs).padStart(6)} ms   ratio ${(t.ms / t.bareUpMs).toFixed(2)}`
                            : "";
                        return `  ${t.command.padEnd(58)} ${String(t.ms).padStart(6)} ms${bare}`;
                    }),
                ].join("\n"),
            );
        }
        await project?.close();
    });

    it("deploys the local stack, every workload ready, and a second preview shows no change", async () => {
        let started = Date.now();
        await stack.up("e2e: deploy");
        timings.push({ command: "deploy (pulumi up, empty stack)", ms: Date.now() - started });
        const deployments = await project.kube.apps.listNamespacedDeployment({ namespace: NAMESPACE });
        expect(deployments.items.map((d) => d.metadata!.name).sort()).toEqual([
            "gateway",
            "mcp-filesystem",
            "mcp-memory",
            "mcp-prober",
            "postgres-exporter",
            "redis-exporter",
            "router",
        ]);
        for (const d of deployments.items) {
            await eventually(
                `${d.metadata!.name} ready`,
                () => deployment(d.metadata!.name!),
                (x) => (x.status?.readyReplicas ?? 0) === (x.spec?.replicas ?? 1),
            );
        }
        const sets = await project.kube.apps.listNamespacedStatefulSet({ namespace: NAMESPACE });
        expect(sets.items.map((s) => s.metadata!.name).sort()).toEqual(["postgres", "redis"]);

        started = Date.now();
        const summary = summarizeEvents(await stack.previewEvents());
        timings.push({ command: "preview with no change", ms: Date.now() - started });
        expect(summary.changes).toEqual([]);
        started = Date.now();
        await stack.up("e2e: up with no change");
        timings.push({ command: "pulumi up with no change", ms: Date.now() - started });
    });

    it("reaches the local cluster without KUBECONFIG exported, and marks the simulated workloads", async () => {
        const status = await project.cli(["status", "--json"]);
        expect(status.code, status.stderr).toBe(0);
        const report = JSON.parse(status.stdout);
        // Seven Deployments (the Redis exporter among them) and two StatefulSets.
        expect(report.workloads).toHaveLength(9);
        const simulated = (workloads: any[]) => workloads.filter((w) => w.simulated).map((w) => w.name);
        // The gateway and router are the user's images: on the simulated nodes. The rest runs on the real node.
        expect(simulated(report.workloads).sort()).toEqual(["gateway", "router"]);
        expect(report.note).toBe("kwok's nodes are simulated: pods there report Ready, but no container runs");

        // From outside the cluster, health reaches the servers and Redis through its own port-forwards.
        const secret = await project.kube.core.readNamespacedSecret({ name: "redis-password", namespace: NAMESPACE });
        const REDIS_PASSWORD = Buffer.from(secret.data!.value, "base64").toString();
        const health = await project.cli(["health", "--json", "--timeout", "5000"], { REDIS_PASSWORD });
        const checked = JSON.parse(health.stdout);
        expect(checked.services.map((s: any) => [s.name, s.status])).toEqual([
            ["mcp-filesystem", "HEALTHY"],
            ["mcp-memory", "HEALTHY"],
        ]);
        expect(checked.redis.status).toBe("HEALTHY");
        expect(simulated(checked.workloads).sort()).toEqual(["gateway", "router"]);
        expect(checked.hints).toEqual([]);
        expect(health.code, health.stderr).toBe(0);
        expect(health.stdout + health.stderr).not.toContain(REDIS_PASSWORD);
    });

    it("scales a fixed count in place: same Deployment, no new pods template, a PDB once more than one must run", async () => {
        const { uidsBefore, revisionsBefore } = await change(["scale", "router", "3"], "service router");
        await expectSameObjects(uidsBefore);
        expect((await deployment("router")).spec?.replicas).toBe(3);
        expect(await rolled(revisionsBefore)).toEqual([]);
        const pdb = await project.kube.policy.readNamespacedPodDisruptionBudget({ name: "router", namespace: NAMESPACE });
        expect(pdb.spec?.maxUnavailable).toBe(1);
    });

    it("hands replicas to an HPA with --min/--max, and back to the config, creating and removing HPA and PDB", async () => {
        const auto = await change(["scale", "router", "--min", "2", "--max", "4"], "service router");
        await expectSameObjects(auto.uidsBefore);
        const hpa = await project.kube.autoscaling.readNamespacedHorizontalPodAutoscaler({ name: "router", namespace: NAMESPACE });
        expect([hpa.spec?.minReplicas, hpa.spec?.maxReplicas]).toEqual([2, 4]);
        expect(await rolled(auto.revisionsBefore)).toEqual([]);

        const fixed = await change(["scale", "router", "1", "--fixed"], "service router");
        await expectSameObjects(fixed.uidsBefore);
        await expect(
            project.kube.autoscaling.readNamespacedHorizontalPodAutoscaler({ name: "router", namespace: NAMESPACE }),
        ).rejects.toSatisfy(notFound);
        await expect(project.kube.policy.readNamespacedPodDisruptionBudget({ name: "router", namespace: NAMESPACE })).rejects.toSatisfy(
            notFound,
        );
        expect((await deployment("router")).spec?.replicas).toBe(1);
    });

    it("changes resources as a rolling update of that service only", async () => {
        const { uidsBefore, revisionsBefore } = await change(
            ["resources", "router", "--cpu", "600m", "--memory", "300Mi"],
            "service router",
        );
        await expectSameObjects(uidsBefore);
        expect(await rolled(revisionsBefore)).toEqual(["router"]);
        expect((await deployment("router")).spec?.template.spec?.containers[0].resources?.limits).toEqual({ cpu: "600m", memory: "300Mi" });
    });

    it("restarts one service: its pods roll, nothing else changes", async () => {
        const { uidsBefore, revisionsBefore } = await change(["restart", "mcp-memory"], "service mcp-memory");
        await expectSameObjects(uidsBefore);
        expect(await rolled(revisionsBefore)).toEqual(["mcp-memory"]);
    });

    it("rotates a credential in phases, in place: objects keep their UIDs, consumers roll once, Redis never restarts", async () => {
        const read = () => project.kube.core.readNamespacedSecret({ name: "redis-password", namespace: NAMESPACE });
        const valueBefore = sha((await read()).data?.value);
        const redisRevision = async () =>
            (await project.kube.apps.readNamespacedStatefulSet({ name: "redis", namespace: NAMESPACE })).status?.updateRevision;
        const revisionBefore = await redisRevision();
        const uidsBefore = await liveUids(project.kube);
        const revisionsBefore = await revisions(project.kube);
        const run = await project.cli(["rotate", "redis-password", "--yes", "--json"]);
        expect(run.code, run.stderr).toBe(0);
        const results = JSON.parse(run.stdout) as Array<{ outcome: string; summary: string }>;
        expect(results.map((r) => [r.outcome, /, (add|roll|retire):/.exec(r.summary)?.[1]])).toEqual([
            ["applied", "add"],
            ["applied", "roll"],
            ["applied", "retire"],
        ]);
        expect(run.stderr).toContain("health after the roll: ");
        await expectSameObjects(uidsBefore);
        expect(sha((await read()).data?.value) !== valueBefore, "the redis password changed").toBe(true);
        // Every reader of the Redis password rolls once: the gateway and router, and the Redis exporter.
        expect(await rolled(revisionsBefore)).toEqual(["gateway", "redis-exporter", "router"]);
        expect(await redisRevision()).toBe(revisionBefore);
    });

    it("changes the rate limit and the circuit breaker as rolling updates of the gateway, its ConfigMap updated in place", async () => {
        const rate = await change(["rate-limit", "250", "--burst", "500"], "service gateway");
        await expectSameObjects(rate.uidsBefore);
        expect(await rolled(rate.revisionsBefore)).toEqual(["gateway"]);
        const tuning = await project.kube.core.readNamespacedConfigMap({ name: "gateway-config", namespace: NAMESPACE });
        expect(Object.values(tuning.data ?? {})).toEqual(expect.arrayContaining(["250", "500"]));

        const breaker = await change(["circuit-breaker", "errorThresholdPercent=25,openSeconds=60"], "service gateway");
        await expectSameObjects(breaker.uidsBefore);
        expect(await rolled(breaker.revisionsBefore)).toEqual(["gateway"]);
    });

    it("locks the namespace down and lifts it, rolling no pods", async () => {
        const on = await change(["lockdown", "on"], "every NetworkPolicy");
        await expectSameObjects(on.uidsBefore);
        const policy = await project.kube.networking.readNamespacedNetworkPolicy({ name: "emergency-lockdown", namespace: NAMESPACE });
        expect(policy.spec?.podSelector).toEqual({});
        expect(await rolled(on.revisionsBefore)).toEqual([]);
        const off = await change(["lockdown", "off"], "every NetworkPolicy");
        await expectSameObjects(off.uidsBefore);
        await expect(
            project.kube.networking.readNamespacedNetworkPolicy({ name: "emergency-lockdown", namespace: NAMESPACE }),
        ).rejects.toSatisfy(notFound);
    });

    it("goes into maintenance and out, with status and health working in between", async () => {
        const on = await change(["maintenance", "on"], "services gateway, router, mcp-memory");
        expect(config()["mcp:maintenance"]).toBe(true);
        await expectSameObjects(on.uidsBefore);
        for (const writer of ["gateway", "router", "mcp-memory"]) expect((await deployment(writer)).spec?.replicas).toBe(0);
        expect((await deployment("mcp-filesystem")).spec?.replicas).toBe(1);

        const status = await project.cli(["status", "--json"]);
        expect(status.code, status.stderr).toBe(0);
        const health = await project.cli(["health", "--json", "--timeout", "2000"]);
        expect([0, 1, 2]).toContain(health.code);
        expect(JSON.parse(health.stdout).hints).toContain(
            "mcp-memory: not reached through the cluster: no ready pod behind Service mcp-system/mcp-memory; check mcp-ops status",
        );

        const off = await change(["maintenance", "off"], "services gateway, router, mcp-memory");
        expect(config()["mcp:maintenance"]).toBe(false);
        await expectSameObjects(off.uidsBefore);
        expect((await deployment("gateway")).spec?.replicas).toBe(2);
    });

    it("previews a rollback as the keys it changes, keeps secrets, and applies it in place", async () => {
        const history = JSON.parse((await project.cli(["history", "--json", "--limit", "100"])).stdout) as Array<{
            version: number;
            operation?: string;
            message?: string;
        }>;
        const versions = history.map((h) => h.version);
        expect(new Set(versions).size, "update numbers are unique").toBe(versions.length);
        const target = history.find((h) => h.message === "e2e: up with no change")!;
        expect(target, JSON.stringify(history.map((h) => [h.version, h.message]))).toBeDefined();
        const preview = await project.cli(["rollback", "--to", String(target.version), "--preview"]);
        expect(preview.code, preview.stderr).toBe(0);
        const lines = preview.stderr.split("\n");
        expect(lines).toContain('  services.router.resources.limits.cpu: "600m" -> (unset)');
        expect(lines).toContain("  security.rateLimit.rps: 250 -> (unset)");
        expect(lines.filter((l) => l.startsWith("  services:") || l.startsWith("  security:"))).toEqual([]);
        expect(preview.stderr).toContain("secrets keep their current values (a rotated credential cannot be restored)");

        const { uidsBefore, revisionsBefore } = await change(["rollback", "--to", String(target.version)]);
        await expectSameObjects(uidsBefore);
        expect(await rolled(revisionsBefore)).toEqual(["gateway", "mcp-memory", "router"]);
        expect((await deployment("router")).spec?.template.spec?.containers[0].resources?.limits).toEqual({ cpu: "500m", memory: "256Mi" });
        expect(config()["mcp:secrets"]).toEqual({ "redis-password": { rotationEpoch: 1 } });
    });

    it("reports out-of-band changes field by field, and --fix puts the declared state back", async () => {
        const { apps, core, networking } = project.kube;
        await apps.patchNamespacedDeploymentScale({
            name: "router",
            namespace: NAMESPACE,
            body: [{ op: "replace", path: "/spec/replicas", value: 5 }],
        });
        await networking.patchNamespacedNetworkPolicy({
            name: "mcp-filesystem",
            namespace: NAMESPACE,
            body: [{ op: "remove", path: "/spec/ingress" }],
        });
        await core.patchNamespacedService({
            name: "gateway",
            namespace: NAMESPACE,
            body: [{ op: "replace", path: "/metadata/labels/app.kubernetes.io~1component", value: "edited-by-hand" }],
        });
        await core.deleteNamespacedConfigMap({ name: "router-config", namespace: NAMESPACE });

        const drift = await project.cli(["drift", "--json"]);
        expect(drift.code, drift.stderr).toBe(1);
        const report = JSON.parse(drift.stdout) as Array<{
            type: string;
            name: string;
            kind: string;
            fields: Array<{ field: string; declared: unknown; live: unknown }>;
        }>;
        const of = (type: string, name: string) => report.find((r) => r.type === type && r.name === name);
        expect(of("kubernetes:apps/v1:Deployment", "router-deployment")?.fields).toContainEqual({
            field: "spec.replicas",
            declared: 1,
            live: 5,
        });
        expect(of("kubernetes:networking.k8s.io/v1:NetworkPolicy", "mcp-filesystem-netpol")?.fields.map((f) => f.field)).toContainEqual(
            expect.stringMatching(/^spec\.ingress/),
        );
        expect(of("kubernetes:core/v1:Service", "gateway-service")?.fields).toContainEqual({
            field: 'metadata.labels["app.kubernetes.io/component"]',
            declared: "gateway",
            live: "edited-by-hand",
        });
        expect(of("kubernetes:core/v1:ConfigMap", "router-config")).toMatchObject({ kind: "deleted" });
        const text = await project.cli(["drift"]);
        expect(text.stdout).toContain("kubernetes:core/v1:ConfigMap router-config: deleted out of band");

        const fix = await project.cli(["drift", "--fix", "--yes"]);
        expect(fix.code, fix.stderr).toBe(0);
        expect((await deployment("router")).spec?.replicas).toBe(1);
        expect(
            (await networking.readNamespacedNetworkPolicy({ name: "mcp-filesystem", namespace: NAMESPACE })).spec?.ingress?.length,
        ).toBeGreaterThan(0);
        expect(
            (await core.readNamespacedService({ name: "gateway", namespace: NAMESPACE })).metadata?.labels?.["app.kubernetes.io/component"],
        ).toBe("gateway");
        expect((await core.readNamespacedConfigMap({ name: "router-config", namespace: NAMESPACE })).data).toBeDefined();
        const clean = await project.cli(["drift"]);
        expect(clean.code, clean.stdout).toBe(0);
        expect(clean.stdout.trim()).toBe("no drift: the cluster matches the declared state");
    });

    it("leaves what drifted outside a scoped change alone, for drift to find", async () => {
        await project.kube.apps.patchNamespacedDeploymentScale({
            name: "gateway",
            namespace: NAMESPACE,
            body: [{ op: "replace", path: "/spec/replicas", value: 4 }],
        });
        const scaled = await project.cli(["scale", "router", "3", "--yes", "--json"]);
        expect(scaled.code, scaled.stderr).toBe(0);
        expect(JSON.parse(scaled.stdout).scope.describe).toBe("service router");
        expect((await deployment("gateway")).spec?.replicas, "the scoped update left the gateway alone").toBe(4);

        const drift = await project.cli(["drift", "--json"]);
        expect(drift.code, drift.stderr).toBe(1);
        const report = JSON.parse(drift.stdout) as Array<{ name: string; fields: Array<{ field: string; live: unknown }> }>;
        expect(report.map((r) => r.name)).toEqual(["gateway-deployment"]);
        expect(report[0].fields).toContainEqual(expect.objectContaining({ field: "spec.replicas", live: 4 }));
        const fix = await project.cli(["drift", "--fix", "--yes"]);
        expect(fix.code, fix.stderr).toBe(0);
        expect((await project.cli(["drift"])).code).toBe(0);
    });

    it("lets one of three parallel changes through; the others name the holder and leave the stack file alone", async () => {
        const runs = await Promise.all(
            [
                ["scale", "mcp-filesystem", "2"],
                ["restart", "router"],
                ["rate-limit", "150"],
            ].map((args) => project.cli([...args, "--yes"])),
        );
        const ok = runs.filter((r) => r.code === 0);
        const locked = runs.filter((r) => r.code === 73);
        expect(ok).toHaveLength(1);
        expect(locked).toHaveLength(2);
        for (const r of locked)
            expect(r.stderr).toMatch(/^mcp-ops: stack local is being updated by someone else \(mcp-ops on .+@.+, pid \d+, since .+\)/);
        const file = config();
        const applied = [
            file["mcp:services"]["mcp-filesystem"].replicas === 2,
            file["mcp:services"].router.restartEpoch === 1,
            file["mcp:security"]?.rateLimit?.rps === 150,
        ];
        expect(applied.filter(Boolean)).toHaveLength(1);
    });

    it("keeps the stack file as it was when the update fails on the engine's lock, and runs again cleanly", async () => {
        const backend = stackEnvironment(project.dir, "local", {}).PULUMI_BACKEND_URL;
        const holder = await project.stack(20_000);
        const holding = holder.up("e2e: an update holding the engine's lock for 20 s");
        await eventually(
            "the engine lock is taken",
            async () => lockFiles(backend, "local").length,
            (n) => n > 0,
        );
        const before = stackFile();
        const refused = await project.cli(["scale", "mcp-filesystem", "3", "--yes"]);
        await holding;
        expect(refused.code, refused.stderr).toBe(73);
        expect(refused.stderr).toMatch(/^mcp-ops: stack local is being updated by someone else/m);
        expect(stackFile()).toBe(before);
        const again = await project.cli(["scale", "mcp-filesystem", "3", "--yes", "--json"]);
        expect(again.code, again.stderr).toBe(0);
        expect(JSON.parse(again.stdout).outcome).toBe("applied");
    });

    it("recovers from a change killed mid-update: the file is put back, the next change succeeds, numbers stay unique", async () => {
        const backend = stackEnvironment(project.dir, "local", {}).PULUMI_BACKEND_URL;
        const before = stackFile();
        const child = project.spawnCli(["restart", "gateway", "--yes"]);
        const [lock] = await eventually(
            "the killed change reaches its update",
            async () => lockFiles(backend, "local"),
            (l) => l.length > 0,
            120_000,
        );
        process.kill(-child.pid!, "SIGKILL");
        killTree(lock.pid);
        await new Promise((r) => setTimeout(r, 500));

        const refused = await project.cli(["scale", "router", "2", "--yes"]);
        expect(refused.code).toBe(73);
        expect(refused.stderr).toContain("was interrupted before it finished; run mcp-ops recover --stack local");

        const recover = await project.cli(["recover", "--yes", "--reason", "killed in the e2e suite", "--json"]);
        expect(recover.code, recover.stderr).toBe(0);
        const report = JSON.parse(recover.stdout);
        // The checkout's record of the change (its stack file put back), the change lock in the team store, the engine's lock.
        expect(report.locksRemoved).toEqual([
            expect.stringMatching(/; stack file put back as it was before that change$/),
            expect.stringMatching(/^change lock of mcp-ops on /),
            expect.stringMatching(new RegExp(` pid ${lock.pid} `)),
        ]);
        expect(report.refreshed).toBe(true);
        expect(stackFile()).toBe(before);

        const next = await project.cli(["scale", "router", "2", "--yes", "--json"]);
        expect(next.code, next.stderr).toBe(0);
        const history = JSON.parse((await project.cli(["history", "--json", "--limit", "200"])).stdout) as Array<{
            version: number;
            operation?: string;
            reason?: string;
            kind?: string;
        }>;
        const versions = history.map((h) => h.version);
        expect(new Set(versions).size).toBe(versions.length);
        expect(history[0].version).toBe(JSON.parse(next.stdout).version);
        expect(history.find((h) => h.kind === "refresh" && h.operation === "recover")).toMatchObject({ reason: "killed in the e2e suite" });
    });

    it("locks an MCP server's tool catalog as a change that rolls the prober; a review names a catalog change", async () => {
        let description = "the whole graph";
        const memory = await startMcpServer({ tools: () => [{ name: "read_graph", description }, "create_entities", "search_nodes"] });
        try {
            const revisionsBefore = await revisions(project.kube);
            const locked = await project.cli([
                "tools",
                "lock",
                "--server",
                "mcp-memory",
                "--endpoint",
                `mcp-memory=${memory.url}`,
                "--yes",
                "--json",
            ]);
            expect(locked.code, locked.stderr).toBe(0);
            const lock = config()["mcp:services"]["mcp-memory"].toolLock;
            expect(Object.keys(lock).sort()).toEqual(["create_entities", "read_graph", "search_nodes"]);
            expect(await rolled(revisionsBefore)).toEqual(["mcp-prober"]);
            const targets = await project.kube.core.readNamespacedConfigMap({ name: "mcp-prober-targets", namespace: NAMESPACE });
            const memoryTarget = JSON.parse(targets.data!["targets.json"]).servers.find((t: { name: string }) => t.name === "mcp-memory");
            expect(memoryTarget.toolLock).toEqual(lock);

            // A pull request that would lock a changed description: the review of its real preview names the tool and field.
            description = "the whole graph, and more";
            const before = stackFile();
            const relock = await planToolLock(currentConfigOf(project.dir), {
                server: "mcp-memory",
                endpoints: { "mcp-memory": memory.url },
                timeoutMs: 5000,
            });
            writeStackConfigValues("local", project.dir, { services: relock.config.services });
            try {
                // As the preview workflow does it: the engine's events of a real preview, then the review of that log.
                const events = `${project.dir}/preview.events.jsonl`;
                writeFileSync(events, (await stack.previewEvents()).map((e) => JSON.stringify(e)).join("\n"));
                const review = await project.cli(["review", "--stack", "local", "--events", events, "--json"]);
                expect(review.code, review.stderr).toBe(3);
                expect(JSON.parse(review.stdout).catalog).toEqual([
                    { server: "mcp-memory", added: [], removed: [], changed: [{ tool: "read_graph", fields: ["description"] }] },
                ]);
                const comment = await project.cli(["review", "--stack", "local", "--events", events]);
                expect(comment.stdout).toContain("- `mcp-memory`: `read_graph` changed its description");
            } finally {
                writeFileSync(`${project.dir}/Pulumi.local.yaml`, before);
            }
        } finally {
            await memory.stop();
        }
    });

    it("says what is missing instead of waiting: a certificate nothing issues", async () => {
        const cert = await project.cli(["cert", "renew", "--yes"]);
        expect(cert.code).toBe(69);
        expect(cert.ms).toBeLessThan(60_000);
        expect(cert.stderr).toContain("Certificate mcp-system/gateway has never been issued");
    });

    it("destroys the stack and leaves no object in the namespace", async () => {
        const started = Date.now();
        await stack.stack.destroy({ message: "e2e: destroy" });
        timings.push({ command: "destroy", ms: Date.now() - started });
        await eventually(
            "the namespace is gone",
            () =>
                project.kube.core.readNamespace({ name: NAMESPACE }).then(
                    () => "present",
                    (e) => (notFound(e) ? "gone" : "error"),
                ),
            (state) => state === "gone",
            120_000,
        );
        const left = await Promise.all([
            project.kube.apps.listNamespacedDeployment({ namespace: NAMESPACE }),
            project.kube.core.listNamespacedConfigMap({ namespace: NAMESPACE }),
            project.kube.core.listNamespacedSecret({ namespace: NAMESPACE }),
            project.kube.core.listNamespacedPod({ namespace: NAMESPACE }),
        ]);
        expect(left.flatMap((l) => l.items.map((o) => o.metadata?.name))).toEqual([]);
    });
});
