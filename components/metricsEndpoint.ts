import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/**
 * How Prometheus scrapes a workload of its own: a Service on the pods' "metrics" port and a
 * ServiceMonitor selecting it in the workload's namespace, both children of `parent`.
 */
export function declareMetricsEndpoint(
    parent: pulumi.Resource,
    name: string,
    o: {
        metadata: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> };
        selector: Record<string, string>;
        port: number;
        intervalSeconds: number;
    },
): void {
    new k8s.core.v1.Service(
        `${name}-service`,
        {
            metadata: o.metadata,
            spec: { selector: o.selector, ports: [{ name: "metrics", port: o.port, targetPort: "metrics", protocol: "TCP" }] },
        },
        { parent },
    );
    new k8s.apiextensions.CustomResource(
        `${name}-monitor`,
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: o.metadata,
            spec: {
                selector: { matchLabels: o.selector },
                namespaceSelector: { matchNames: [o.metadata.namespace] },
                endpoints: [{ port: "metrics", interval: `${o.intervalSeconds}s`, path: "/metrics" }],
            },
        },
        { parent },
    );
}
