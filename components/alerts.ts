import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type AlertRule, ALERT_RULES } from "./alertRules";
import { PART_OF, selectorLabels } from "./labels";

export interface AlertsArgs {
    /** Namespace the rules and monitors live in, and the one the rules watch. */
    namespace: string;
    /** Base of runbook links, e.g. a docs site or "docs/runbook.md". */
    runbookBaseUrl: string;
    /** Services whose metrics port is scraped. */
    scrapeTargets: Array<{ name: string; metricsPort?: number }>;
    /** Rules to declare. Default: the platform's ALERT_RULES. */
    rules?: readonly AlertRule[];
}

/** Builds the PrometheusRule groups; pure, so the rendered rules can be tested and documented. */
export function renderRuleGroups(namespace: string, runbookBaseUrl: string, rules: readonly AlertRule[] = ALERT_RULES) {
    return [
        {
            name: "mcp-platform",
            rules: rules.map((r) => ({
                alert: r.alert,
                expr: r.expr.split("$NS").join(namespace),
                for: r.for,
                labels: { severity: r.severity, "app.kubernetes.io/part-of": PART_OF },
                annotations: {
                    summary: r.summary,
                    description: r.description,
                    runbook_url: `${runbookBaseUrl}#${r.runbook}`,
                    command: r.command,
                },
            })),
        },
    ];
}

/** A PrometheusRule with the runbooks' alerts and a ServiceMonitor per service that exposes metrics. */
export class Alerts extends pulumi.ComponentResource {
    readonly ruleName: pulumi.Output<string>;

    constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp:observability:Alerts", name, {}, opts);
        const labels = { "app.kubernetes.io/part-of": PART_OF };

        const rule = new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: "mcp-platform-alerts", namespace: args.namespace, labels },
                spec: { groups: renderRuleGroups(args.namespace, args.runbookBaseUrl, args.rules) },
            },
            { parent: this },
        );

        for (const target of args.scrapeTargets) {
            if (target.metricsPort === undefined) continue;
            new k8s.apiextensions.CustomResource(
                `${name}-${target.name}-monitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: { name: target.name, namespace: args.namespace, labels },
                    spec: {
                        selector: { matchLabels: selectorLabels(target.name) },
                        namespaceSelector: { matchNames: [args.namespace] },
                        endpoints: [{ port: "metrics", interval: "30s", path: "/metrics" }],
                    },
                },
                { parent: this },
            );
        }

        this.ruleName = rule.metadata.name;
        this.registerOutputs({ ruleName: this.ruleName });
    }
}
