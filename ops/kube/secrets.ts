import { UnavailableError } from "../errors";
import { kubeConfigFrom, loadKubeClient } from "./client";

/**
 * Reads one key of a Kubernetes Secret (e.g. the rotated redis-password), so credentials go
 * from the cluster to the connection without passing through a terminal or a flag.
 */
export async function readSecretValue(kubeconfig: string, namespace: string, name: string, key = "value"): Promise<string> {
    const client = await loadKubeClient();
    const core = (await kubeConfigFrom(kubeconfig)).makeApiClient(client.CoreV1Api);
    let data: Record<string, string> | undefined;
    try {
        data = (await core.readNamespacedSecret({ name, namespace })).data;
    } catch (error) {
        const code = (error as { code?: number }).code;
        throw new UnavailableError(
            code === 404
                ? `secret ${namespace}/${name} does not exist; check the name (mcp:secrets) and the stack's namespace`
                : `cannot read secret ${namespace}/${name}: ${(error as Error).message.split("\n")[0]}`,
        );
    }
    const encoded = data?.[key];
    if (encoded === undefined) throw new UnavailableError(`secret ${namespace}/${name} has no key "${key}"`);
    return Buffer.from(encoded, "base64").toString("utf8");
}
