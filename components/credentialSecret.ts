import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { PART_OF } from "./labels";

/**
 * The Kubernetes Secret that holds one credential under `key`, labelled with its name so ops
 * commands find it. Generated and external credentials are stored the same way.
 */
export function credentialSecret(
    name: string,
    namespace: pulumi.Input<string>,
    key: string,
    value: pulumi.Input<string>,
    parent: pulumi.Resource,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        `${name}-secret`,
        {
            metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": PART_OF, "mcp.platform/secret": name } },
            type: "Opaque",
            stringData: { [key]: value },
        },
        { parent },
    );
}
