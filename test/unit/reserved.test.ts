import { describe, expect, it } from "vitest";
import { RESERVED_SECRET_NAMES, RESERVED_SERVICE_NAMES } from "../../config/reserved";
import { kubeObjects, podTemplate } from "../support/kubeObjects";
import { deploy, editedConfig, stackConfig } from "../support/platform";

/** Kinds a service owns one of, named after the service. */
const SERVICE_KINDS = [
    "ServiceAccount",
    "Deployment",
    "Service",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "ServiceMonitor",
];

describe("names the program keeps for itself", () => {
    it("are exactly the names a service or a secret would collide with in the three stacks, locked down or not", async () => {
        const serviceNames = new Set<string>();
        const secretNames = new Set<string>();
        const configs = ["local", "staging", "production"].flatMap((stack) => [
            stackConfig(stack),
            editedConfig(stack, (raw) => (raw.security = { ...raw.security, lockdown: true })),
        ]);
        for (const config of configs) {
            const own = new Set(Object.keys(config.services));
            const objects = kubeObjects((await deploy(config)).resources);
            for (const o of objects) {
                if (SERVICE_KINDS.includes(o.kind) && !own.has(o.metadata.name)) serviceNames.add(o.metadata.name);
                const podName = podTemplate(o)?.metadata?.labels?.["app.kubernetes.io/name"];
                if (podName && !own.has(podName)) serviceNames.add(podName);
                const spec = o.spec as Record<string, any> | undefined;
                if (o.kind === "Certificate") secretNames.add(spec!.secretName);
                if (o.kind === "Issuer" && spec?.acme) secretNames.add(spec.acme.privateKeySecretRef.name);
            }
        }
        expect([...serviceNames].sort()).toEqual(Object.keys(RESERVED_SERVICE_NAMES).sort());
        expect([...secretNames].sort()).toEqual(Object.keys(RESERVED_SECRET_NAMES).sort());
    });
});
