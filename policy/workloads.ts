/** Reading pod templates out of Kubernetes resources as the policy engine presents them. */

export const WORKLOAD_TYPES = {
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    pod: "kubernetes:core/v1:Pod",
} as const;

export interface PodTemplate {
    labels: Record<string, string>;
    spec: any;
}

/** The pod template of a workload resource, or undefined for anything else. */
export function podTemplateOf(type: string, props: any): PodTemplate | undefined {
    switch (type) {
        case WORKLOAD_TYPES.deployment:
        case WORKLOAD_TYPES.statefulSet:
        case WORKLOAD_TYPES.daemonSet:
        case WORKLOAD_TYPES.job:
            return props?.spec?.template
                ? { labels: props.spec.template.metadata?.labels ?? {}, spec: props.spec.template.spec ?? {} }
                : undefined;
        case WORKLOAD_TYPES.cronJob: {
            const template = props?.spec?.jobTemplate?.spec?.template;
            return template ? { labels: template.metadata?.labels ?? {}, spec: template.spec ?? {} } : undefined;
        }
        case WORKLOAD_TYPES.pod:
            return { labels: props?.metadata?.labels ?? {}, spec: props?.spec ?? {} };
        default:
            return undefined;
    }
}

export function containersOf(spec: any): any[] {
    return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

/** True when a label selector (matchLabels only, as the platform writes them) selects the labels. */
export function selects(selector: any, labels: Record<string, string>): boolean {
    const match: Record<string, string> = selector?.matchLabels ?? {};
    if ((selector?.matchExpressions ?? []).length > 0) return false;
    return Object.entries(match).every(([k, v]) => labels[k] === v);
}
