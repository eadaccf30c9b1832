import { OpsTimeoutError, UnavailableError } from "../errors";
import { kubeConfigFrom, loadKubeClient } from "./client";

const CERT = { group: "cert-manager.io", version: "v1", plural: "certificates" };

export interface RenewResult {
    certificate: string;
    previousNotAfter?: string;
    notAfter: string;
    seconds: number;
}

/**
 * Forces a renewal the way cert-manager's own CLI does: set the Certificate's Issuing condition
 * (reason ManuallyTriggered) through the status subresource, then wait for cert-manager to issue
 * a certificate with a new expiry.
 */
export async function renewCertificate(kubeconfig: string, namespace: string, name: string, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<RenewResult> {
    const client = await loadKubeClient();
    const custom = (await kubeConfigFrom(kubeconfig)).makeApiClient(client.CustomObjectsApi);
    const read = async () =>
        (await custom.getNamespacedCustomObject({ ...CERT, namespace, name }).catch(() => {
            throw new UnavailableError(`no Certificate ${namespace}/${name}; is mcp:tls.enabled true and the stack deployed?`);
        })) as { metadata: { resourceVersion: string }; status?: { notAfter?: string; conditions?: Array<{ type: string; status: string }> } };
    const started = Date.now();
    const cert = await read();
    const previousNotAfter = cert.status?.notAfter;
    const conditions = (cert.status?.conditions ?? []).filter((c) => c.type !== "Issuing");
    conditions.push({ type: "Issuing", status: "True", reason: "ManuallyTriggered", message: "Certificate re-issuance manually triggered by mcp-ops", lastTransitionTime: new Date().toISOString() } as never);
    await custom.replaceNamespacedCustomObjectStatus({ ...CERT, namespace, name, body: { ...cert, status: { ...cert.status, conditions } } });

    const deadline = started + (options.timeoutMs ?? 300_000);
    for (;;) {
        const now = await read();
        const ready = now.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
        if (ready && now.status?.notAfter && now.status.notAfter !== previousNotAfter) {
            return { certificate: name, previousNotAfter, notAfter: now.status.notAfter, seconds: Math.round((Date.now() - started) / 1000) };
        }
        if (Date.now() > deadline) {
            throw new OpsTimeoutError(`renewal of ${namespace}/${name} was requested (Issuing condition set) but no new certificate arrived in ${Math.round((Date.now() - started) / 1000)}s; check that cert-manager runs: kubectl -n ${namespace} describe certificate ${name}`);
        }
        await new Promise((r) => setTimeout(r, options.pollMs ?? 2000));
    }
}
