import { createHash } from "node:crypto";
import type { Registered } from "./mocks";

/** A Kubernetes object as the program declares it (the inputs the provider would apply). */
export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    [field: string]: unknown;
}

type PodTemplate = { metadata?: { labels?: Record<string, string> }; spec: Record<string, any> };

/** The engine's marker for a secret value in serialized inputs: `{ [SECRET_SIG]: SECRET_VALUE, value }`. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Inputs as the provider receives them: secret values unwrapped, undefined fields dropped. */
function plain(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(plain);
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (SECRET_SIG in record) return plain(record.value);
        return Object.fromEntries(
            Object.entries(record)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [k, plain(v)]),
        );
    }
    return value;
}

/**
 * The objects the program registered with the kubernetes provider (AWS and component resources left
 * out). One declared without a name gets one as the provider gives it: the resource's name and a suffix.
 */
export function kubeObjects(resources: Registered[]): KubeObject[] {
    return resources
        .filter((r) => r.type.startsWith("kubernetes:"))
        .map((r) => {
            const o = plain(r.inputs) as KubeObject;
            if (o.metadata.name !== undefined) return o;
            const suffix = createHash("sha256").update(r.name).digest("hex").slice(0, 8);
            return { ...o, metadata: { ...o.metadata, name: `${r.name}-${suffix}` } };
        });
}

export const objectKey = (o: KubeObject) =>
    `${o.apiVersion.split("/").length > 1 ? o.apiVersion.split("/")[0] : "core"}/${o.kind} ` +
    `${o.metadata.namespace ?? "(cluster)"}/${o.metadata.name}`;

/** Keys declared more than once: two objects the API server would see as one. */
export function duplicateObjects(objects: KubeObject[]): string[] {
    const seen = new Map<string, number>();
    for (const o of objects) seen.set(objectKey(o), (seen.get(objectKey(o)) ?? 0) + 1);
    return [...seen.entries()].filter(([, n]) => n > 1).map(([key]) => key);
}

/** The pod template of a workload (Deployment, StatefulSet, CronJob), if it has one. */
export function podTemplate(o: KubeObject): PodTemplate | undefined {
    const spec = o.spec as Record<string, any> | undefined;
    if (o.kind === "Deployment" || o.kind === "StatefulSet") return spec?.template;
    if (o.kind === "CronJob") return spec?.jobTemplate?.spec?.template;
    if (o.kind === "Job") return spec?.template;
    return undefined;
}

/**
 * A Pod made from each workload's template, so Pod Security admission (which judges pods, not
 * workloads) rules on what the workload would run. A StatefulSet's claim templates become volumes.
 */
export function templatePods(objects: KubeObject[]): KubeObject[] {
    return objects.flatMap((o) => {
        const template = podTemplate(o);
        if (!template) return [];
        const claims = ((o.spec as Record<string, any>).volumeClaimTemplates ?? []) as Array<{ metadata: { name: string } }>;
        const volumes = [
            ...(template.spec.volumes ?? []),
            ...claims.map((c) => ({
                name: c.metadata.name,
                persistentVolumeClaim: { claimName: `${c.metadata.name}-${o.metadata.name}-0` },
            })),
        ];
        return [
            {
                apiVersion: "v1",
                kind: "Pod",
                metadata: {
                    name: `${o.kind.toLowerCase()}-${o.metadata.name}`.slice(0, 63),
                    namespace: o.metadata.namespace,
                    labels: template.metadata?.labels,
                },
                spec: { ...template.spec, volumes },
            },
        ];
    });
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
    selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/**
 * Selectors that do not select exactly their own pods: a Service, workload, PodDisruptionBudget or
 * NetworkPolicy named X must select the pods of the workload named X and no other.
 */
export function selectorProblems(objects: KubeObject[]): string[] {
    const workloads = objects.filter((o) => podTemplate(o) && o.kind !== "CronJob");
    const templates = objects
        .filter((o) => podTemplate(o))
        .map((o) => ({ owner: `${o.kind}/${o.metadata.name}`, name: o.metadata.name, labels: podTemplate(o)!.metadata?.labels }));
    const problems: string[] = [];
    const check = (what: string, name: string, selector: Record<string, string> | undefined) => {
        const matched = templates.filter((t) => selects(selector, t.labels)).map((t) => t.owner);
        const own = workloads.filter((w) => w.metadata.name === name).map((w) => `${w.kind}/${w.metadata.name}`);
        if (own.length === 0) return; // not a workload's selector (e.g. the backup jobs' policy)
        if (JSON.stringify(matched.sort()) !== JSON.stringify(own.sort()))
            problems.push(`${what} ${name} selects [${matched.join(", ")}], not exactly [${own.join(", ")}]`);
    };
    for (const o of objects) {
        const spec = o.spec as Record<string, any> | undefined;
        if (o.kind === "Service") {
            if (!workloads.some((w) => w.metadata.name === o.metadata.name))
                problems.push(`Service ${o.metadata.name} has no workload of its name`);
            check("Service", o.metadata.name, spec?.selector);
        }
        if (o.kind === "Deployment" || o.kind === "StatefulSet") check(o.kind, o.metadata.name, spec?.selector?.matchLabels);
        if (o.kind === "PodDisruptionBudget") check("PodDisruptionBudget", o.metadata.name, spec?.selector?.matchLabels);
        if (o.kind === "NetworkPolicy") check("NetworkPolicy", o.metadata.name, spec?.podSelector?.matchLabels);
    }
    const services = objects.filter((o) => o.kind === "Service").map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    for (const dup of services.filter((s, i) => services.indexOf(s) !== i)) problems.push(`Service ${dup} is declared twice`);
    return problems;
}
