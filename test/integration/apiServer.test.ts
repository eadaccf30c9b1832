import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, parsePlatformConfig } from "../../config/load";
import type { PlatformConfig } from "../../config/schema";
import { rawConfigArbitrary } from "../support/configArbitrary";
import { type DryRunner, dryRunner } from "../support/dryRun";
import { duplicateObjects, type KubeObject, kubeObjects, selectorProblems, templatePods } from "../support/kubeObjects";
import { localCluster } from "../support/localCluster";
import { deploy, stackConfig } from "../support/platform";

/** Everything a config must satisfy beyond the schema: one list of problems, empty when it deploys. */
async function problemsOf(objects: KubeObject[], runner: DryRunner): Promise<string[]> {
    const rejected = await runner.check([...objects, ...templatePods(objects)]);
    return [
        ...duplicateObjects(objects).map((key) => `declared twice: ${key}`),
        ...selectorProblems(objects),
        ...rejected.map((r) => `${r.object}: ${r.message}`),
    ];
}

// The real kube-apiserver of a private local cluster, with the cert-manager and Prometheus operator
// CRDs generated from their Go types, judges every object with server-side apply in dry-run mode.
describe("the API server accepts what the program declares", () => {
    const cluster = localCluster();
    let runner: DryRunner;

    beforeAll(async () => {
        const up = await cluster.run("up");
        if (up.code !== 0) throw new Error(`the local cluster did not start:\n${up.output}`);
        runner = await dryRunner(cluster.kubeconfig, "dry-run");
    }, 600_000);

    afterAll(async () => {
        await cluster.run("down");
        rmSync(cluster.dir, { recursive: true, force: true });
    });

    it.each(["local", "staging", "production"])(
        "accepts every object of the %s stack, and its pods under Pod Security restricted",
        async (stack) => {
            const { resources } = await deploy(stackConfig(stack));
            const objects = kubeObjects(resources);
            expect(objects.length).toBeGreaterThan(40);
            expect(await problemsOf(objects, runner)).toEqual([]);
        },
    );

    it("rejects what the real schemas and admission reject, so the check can fail", async () => {
        const { resources } = await deploy(stackConfig("local"));
        const objects = kubeObjects(resources);
        const certificate = objects.find((o) => o.kind === "Certificate")!;
        const rule = objects.find((o) => o.kind === "PrometheusRule")!;
        const deployment = objects.find((o) => o.kind === "Deployment")!;
        const escalating = structuredClone(deployment) as any;
        escalating.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
        const rejected = await runner.check(
            templatePods([escalating]).concat([
                { ...certificate, spec: { ...(certificate.spec as object), secretNam: "typo" } },
                { ...rule, spec: { groups: [{ name: "g", rules: [{ alert: "A", expr: { not: "a string" } }] }] } },
            ]),
        );
        expect(rejected.map((r) => r.object)).toEqual(
            expect.arrayContaining([
                expect.stringMatching(/^core\/Pod /),
                expect.stringMatching(/^cert-manager.io\/Certificate /),
                expect.stringMatching(/^monitoring.coreos.com\/PrometheusRule /),
            ]),
        );
        expect(rejected.find((r) => r.object.startsWith("core/Pod"))!.message).toContain('violates PodSecurity "restricted:latest"');
        expect(rejected.find((r) => r.object.startsWith("cert-manager.io"))!.message).toContain("secretNam");
    });

    it("deploys every config the schema accepts, of at least 200 generated ones", async () => {
        let accepted = 0;
        let refused = 0;
        await fc.assert(
            fc.asyncProperty(rawConfigArbitrary, async (raw) => {
                let config: PlatformConfig;
                try {
                    config = parsePlatformConfig(raw);
                } catch (error) {
                    if (!(error instanceof ConfigError)) throw error;
                    refused++;
                    fc.pre(false);
                    return;
                }
                accepted++;
                // What `pulumi config set --secret mcp:redisPassword …` gives a stack with external stores.
                const { resources } = await deploy(config, {
                    redisPassword: pulumi.secret("external-redis"),
                    postgresPassword: pulumi.secret("external-postgres"),
                });
                expect(await problemsOf(kubeObjects(resources), runner)).toEqual([]);
            }),
            { numRuns: 200, maxSkipsPerRun: 20 },
        );
        console.log(
            `generated configs: ${accepted} accepted and deployed, ${refused} refused by the schema; ${runner.submitted} distinct ` +
                `objects judged by the API server`,
        );
        expect(accepted).toBeGreaterThanOrEqual(200);
    }, 300_000);
});
