import { OpsTimeoutError, UnavailableError } from "../errors";
import { kubeConfigFrom, loadKubeClient } from "./client";

const CERT = { group: "cert-manager.io", version: "v1", plural: "certificates" };

export interface RenewResult {
    certificate: string;
    previousNotAfter?: string;
    notAfter: string;
    seconds: number;
}

type Condition = { type: string; status: string; message?: string };

export interface RenewOptions {
    /** How long to wait for the new certificate. Default 300 s. */
    timeoutMs?: number;
    pollMs?: number;
    /** Called about every 10 s while waiting, with what cert-manager says so far. */
    onProgress?: (line: string) => void;
}

/**
 * Forces a renewal the way cert-manager's own CLI does: set the Certificate's Issuing condition
 * (reason ManuallyTriggered) through the status subresource, then wait for cert-manager to issue
 * a certificate with a new expiry. A Certificate cert-manager never issued is refused at once:
 * nothing in that cluster would answer the request.
 */
export async function renewCertificate(
    kubeconfig: string,
    namespace: string,
    name: string,
    options: RenewOptions = {},
): Promise<RenewResult> {
    const client = await loadKubeClient();
    const custom = (await kubeConfigFrom(kubeconfig)).makeApiClient(client.CustomObjectsApi);
    const read = async () =>
        (await custom.getNamespacedCustomObject({ ...CERT, namespace, name }).catch(() => {
            throw new UnavailableError(`no Certificate ${namespace}/${name}; is mcp:tls.enabled true and the stack deployed?`);
        })) as { metadata: { resourceVersion: string }; status?: { notAfter?: string; conditions?: Condition[] } };
    const started = Date.now();
    const cert = await read();
    if (!cert.status?.notAfter && !(cert.status?.conditions ?? []).length) {
        throw new UnavailableError(
            `Certificate ${namespace}/${name} has never been issued: no cert-manager controller has written its status, so nothing in ` +
                `this cluster would renew it ` +
                "(the local stack has cert-manager's CRDs but not its controller). Install cert-manager in the cluster, or wait for the " +
                "first issuance: " +
                `kubectl -n ${namespace} describe certificate ${name}. Nothing was changed.`,
        );
    }
    const previousNotAfter = cert.status?.notAfter;
    const conditions = (cert.status?.conditions ?? []).filter((c) => c.type !== "Issuing");
    conditions.push({
        type: "Issuing",
        status: "True",
        reason: "ManuallyTriggered",
        message: "Certificate re-issuance manually triggered by mcp-ops",
        lastTransitionTime: new Date().toISOString(),
    } as never);
    await custom.replaceNamespacedCustomObjectStatus({
        ...CERT,
        namespace,
        name,
        body: { ...cert, status: { ...cert.status, conditions } },
    });

    const timeoutMs = options.timeoutMs ?? 300_000;
    const deadline = started + timeoutMs;
    let lastProgress = started;
    for (;;) {
        const now = await read();
        const ready = now.status?.conditions?.find((c) => c.type === "Ready");
        if (ready?.status === "True" && now.status?.notAfter && now.status.notAfter !== previousNotAfter) {
            return {
                certificate: name,
                previousNotAfter,
                notAfter: now.status.notAfter,
                seconds: Math.round((Date.now() - started) / 1000),
            };
        }
        const waited = Math.round((Date.now() - started) / 1000);
        const says = ready?.message ? `cert-manager says: ${ready.message}` : "cert-manager has not answered";
        if (Date.now() > deadline) {
            throw new OpsTimeoutError(
                `renewal of ${namespace}/${name} was requested (Issuing condition set) but no new certificate arrived in ${waited}s ` +
                    `(${says}); ` +
                    `check that cert-manager runs and can reach its issuer: kubectl -n ${namespace} describe certificate ${name}`,
            );
        }
        if (Date.now() - lastProgress >= 10_000) {
            options.onProgress?.(`waiting for ${name}: ${waited}s of ${Math.round(timeoutMs / 1000)}s; ${says}`);
            lastProgress = Date.now();
        }
        await new Promise((r) => setTimeout(r, options.pollMs ?? 2000));
    }
}
