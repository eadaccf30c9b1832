import { createServer, type Server } from "node:net";
import { UnavailableError } from "../errors";
import { kubeConfigFrom, loadKubeClient } from "./client";
import { SIMULATED_NOTE, isSimulatedNode } from "./simulated";

/**
 * A loopback port that leads to a Service's port in the cluster through the API server, as
 * `kubectl port-forward svc/<name>` does: commands that talk to a store inside the cluster work from
 * an operator's laptop or a CI runner, where the Service's cluster DNS name means nothing.
 */
export interface Tunnel {
    host: "127.0.0.1";
    port: number;
    /** Which pod the tunnel leads to, for messages. */
    pod: string;
    close(): void;
}

/** The Service's pods run on simulated nodes: there is nothing to reach, and nothing failed. */
export class SimulatedPodsError extends UnavailableError {}

type PodLike = {
    metadata?: { deletionTimestamp?: Date | string };
    status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
};

/**
 * The pods a tunnel may lead to: running and ready, and not being deleted. A pod shutting down
 * after a rollout still reports Ready until its containers stop, and answers with its shutdown
 * (as a Service, which stops sending it traffic, would never show a client).
 */
export const servingPods = <P extends PodLike>(pods: P[]): P[] =>
    pods.filter(
        (p) =>
            !p.metadata?.deletionTimestamp &&
            p.status?.phase === "Running" &&
            p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
    );

export async function openTunnel(kubeconfig: string, namespace: string, service: string, port: number): Promise<Tunnel> {
    const k8s = await loadKubeClient();
    const kc = await kubeConfigFrom(kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const svc = await core.readNamespacedService({ name: service, namespace }).catch((error: unknown) => {
        throw new UnavailableError(
            `no Service ${namespace}/${service} to reach (${(error as Error).message.split("\n")[0]}); is the stack deployed?`,
        );
    });
    const selector = Object.entries(svc.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`);
    const servicePort = svc.spec?.ports?.find((p) => p.port === port);
    if (selector.length === 0 || !servicePort)
        throw new UnavailableError(`Service ${namespace}/${service} selects no pods on port ${port}`);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: selector.join(",") });
    const ready = servingPods(pods.items);
    if (ready.length === 0) throw new UnavailableError(`no ready pod behind Service ${namespace}/${service}; check mcp-ops status`);
    const pod = ready[0];
    const node = pod.spec?.nodeName ? await core.readNode({ name: pod.spec.nodeName }).catch(() => undefined) : undefined;
    if (node && isSimulatedNode(node)) throw new SimulatedPodsError(`${service}: ${SIMULATED_NOTE}, so nothing answers there`);

    // A named target port is the container port of that name.
    const target = servicePort.targetPort ?? port;
    const targetPort =
        typeof target === "number"
            ? target
            : pod.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === target)?.containerPort;
    if (targetPort === undefined) throw new UnavailableError(`Service ${namespace}/${service}: no container port named ${target}`);

    const forward = new k8s.PortForward(kc);
    const podName = pod.metadata!.name!;
    const server: Server = createServer((socket) => {
        forward
            .portForward(namespace, podName, [targetPort], socket, null, socket)
            .then((ws) => {
                const close = () => (typeof ws === "function" ? ws() : ws)?.close();
                socket.on("close", close);
            })
            .catch(() => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
    // The command ends when its work does: an idle tunnel keeps nothing alive.
    server.unref();
    const address = server.address();
    return {
        host: "127.0.0.1",
        port: typeof address === "object" && address ? address.port : 0,
        pod: podName,
        close: () => server.close(),
    };
}
