import { join } from "node:path";
import { ConfigError, parsePlatformConfig } from "../../config/load";
import type { PlatformConfig } from "../../config/schema";
import type { CurrentConfig } from "../../ops/plan/types";
import { readRawStackConfig } from "../../ops/stack/stackFile";
import { declarePlatform, type ExternalCredentials, type PlatformOutputs } from "../../platform/declarePlatform";
import { recordResources, type Registered, settle } from "./mocks";
import { recordUrns, type UrnRecord } from "./urns";

export const REPO_ROOT = join(__dirname, "..", "..");

/** Raw `mcp:` config of a checked-in stack file, as Pulumi would hand it to the program. */
export function rawStackConfig(stack: string): Record<string, any> {
    return readRawStackConfig(stack, REPO_ROOT) as Record<string, any>;
}

/** The problems the schema reports for a raw config; empty when it accepts it. */
export function configProblems(raw: Record<string, unknown>): string[] {
    try {
        parsePlatformConfig(raw);
        return [];
    } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
    }
}

/** A checked-in stack's config as a command finds it: raw and validated. */
export function currentStackConfig(stack: string, raw = rawStackConfig(stack)): CurrentConfig {
    return { raw, config: parsePlatformConfig(raw) };
}

export function stackConfig(stack: string): PlatformConfig {
    return parsePlatformConfig(rawStackConfig(stack));
}

/** A deep copy of a stack's raw config with `edit` applied, validated. */
export function editedConfig(stack: string, edit: (raw: Record<string, any>) => void): PlatformConfig {
    const raw = structuredClone(rawStackConfig(stack));
    edit(raw);
    return parsePlatformConfig(raw);
}

export interface Deployment {
    resources: Registered[];
    /** Every resource's URN (components included), as the engine would give it. */
    urns: UrnRecord[];
    outputs: PlatformOutputs;
    ofType(type: string): Registered[];
    named(type: string, name: string): Registered;
}

/** Runs the program against recording mocks and returns what it registered. */
export async function deploy(config: PlatformConfig, credentials?: ExternalCredentials, onlyServices?: string[]): Promise<Deployment> {
    const resources = await recordResources(config.environment);
    const urns = recordUrns();
    const outputs = declarePlatform(config, credentials, onlyServices);
    await settle(resources);
    const ofType = (type: string) => resources.filter((r) => r.type === type);
    return {
        resources,
        urns,
        outputs,
        ofType,
        named(type, name) {
            const found = ofType(type).find((r) => r.name === name);
            if (!found)
                throw new Error(
                    `no ${type} named ${name}; have: ${ofType(type)
                        .map((r) => r.name)
                        .join(", ")}`,
                );
            return found;
        },
    };
}

export const K8S = {
    namespace: "kubernetes:core/v1:Namespace",
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    cronJob: "kubernetes:batch/v1:CronJob",
    job: "kubernetes:batch/v1:Job",
    service: "kubernetes:core/v1:Service",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    configMap: "kubernetes:core/v1:ConfigMap",
    secret: "kubernetes:core/v1:Secret",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    customResource: (group: string, kind: string) => `kubernetes:${group}:${kind}`,
} as const;

/** Every pod template the program declares, with the workload it belongs to. */
export function podTemplates(d: Deployment): Array<{ workload: string; spec: any; metadata: any }> {
    const out: Array<{ workload: string; spec: any; metadata: any }> = [];
    for (const r of [...d.ofType(K8S.deployment), ...d.ofType(K8S.statefulSet)]) {
        out.push({ workload: r.name, spec: r.inputs.spec.template.spec, metadata: r.inputs.spec.template.metadata });
    }
    for (const r of d.ofType(K8S.cronJob)) {
        const template = r.inputs.spec.jobTemplate.spec.template;
        out.push({ workload: r.name, spec: template.spec, metadata: template.metadata });
    }
    return out;
}

/** Names (type and name) of the resources whose inputs differ between two runs of the program. */
export function changedResources(before: Deployment, after: Deployment): string[] {
    const key = (r: Registered) => `${r.type}::${r.name}`;
    const index = new Map(before.resources.map((r) => [key(r), JSON.stringify(r.inputs)]));
    const changed = new Set<string>();
    for (const r of after.resources) {
        if (index.get(key(r)) !== JSON.stringify(r.inputs)) changed.add(key(r));
        index.delete(key(r));
    }
    for (const gone of index.keys()) changed.add(gone);
    return [...changed].sort();
}
