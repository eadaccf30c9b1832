import { kubeConfigFrom, loadKubeClient } from "../../ops/kube/client";
import { type KubeObject, objectKey } from "./kubeObjects";

export interface Rejection {
    object: string;
    message: string;
}

export interface DryRunner {
    /** Server-side applies every object with dryRun=All; returns what the API server refused. */
    check(objects: KubeObject[]): Promise<Rejection[]>;
    /** How many distinct objects were sent (identical ones are judged once). */
    readonly submitted: number;
}

/**
 * Submits objects to a real kube-apiserver with server-side apply in dry-run mode: validation,
 * defaulting, CRD schemas and admission (Pod Security) all run, nothing is stored. Namespaced
 * objects go into `namespace`, which is created with Pod Security `restricted` enforced.
 */
export async function dryRunner(kubeconfig: string, namespace: string, concurrency = 8): Promise<DryRunner> {
    const k8s = await loadKubeClient();
    const kc = await kubeConfigFrom(kubeconfig);
    const client = k8s.KubernetesObjectApi.makeApiClient(kc);
    const labels = { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" };
    await kc
        .makeApiClient(k8s.CoreV1Api)
        .createNamespace({ body: { metadata: { name: namespace, labels } } })
        .catch((error: { code?: number }) => {
            if (error.code !== 409) throw error;
        });
    const verdicts = new Map<string, Promise<string | undefined>>();
    // Admission looks up a pod's ServiceAccount, which a dry run of the account does not store.
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const accounts = new Map<string, Promise<unknown>>();
    const ensureAccount = (name: string) => {
        if (!accounts.has(name)) {
            accounts.set(
                name,
                core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } }).catch((error: { code?: number }) => {
                    if (error.code !== 409) throw error;
                }),
            );
        }
        return accounts.get(name);
    };

    const submit = async (object: KubeObject): Promise<string | undefined> => {
        const account =
            object.kind === "Pod" ? ((object.spec as { serviceAccountName?: string }).serviceAccountName ?? "default") : undefined;
        if (account) await ensureAccount(account);
        try {
            await client.patch(object, undefined, "All", "mcp-dry-run", true, k8s.PatchStrategy.ServerSideApply);
            return undefined;
        } catch (error) {
            const e = error as { body?: string; message?: string };
            try {
                return (JSON.parse(e.body ?? "") as { message: string }).message;
            } catch {
                return e.message ?? String(error);
            }
        }
    };

    return {
        get submitted() {
            return verdicts.size;
        },
        async check(objects) {
            const placed = objects.map((o) => (o.metadata.namespace === undefined ? o : { ...o, metadata: { ...o.metadata, namespace } }));
            const rejections: Rejection[] = [];
            let next = 0;
            const worker = async () => {
                while (next < placed.length) {
                    const object = placed[next++];
                    const body = JSON.stringify(object);
                    if (!verdicts.has(body)) verdicts.set(body, submit(object));
                    const message = await verdicts.get(body)!;
                    if (message !== undefined) rejections.push({ object: objectKey(objects[placed.indexOf(object)]), message });
                }
            };
            await Promise.all(Array.from({ length: concurrency }, worker));
            return rejections;
        },
    };
}
