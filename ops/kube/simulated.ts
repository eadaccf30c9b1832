import type { V1Node, V1Pod } from "./client";

/**
 * kwok's annotation on the nodes it simulates. Pods scheduled there are reported Running and
 * Ready, but no container runs: nothing they would compute, serve or write exists.
 */
export const SIMULATED_NODE_ANNOTATION = "kwok.x-k8s.io/node";

export const isSimulatedNode = (node: V1Node) => node.metadata?.annotations?.[SIMULATED_NODE_ANNOTATION] !== undefined;

/** Whether a pod sits on a simulated node (an unscheduled pod is not simulated: it is pending). */
export const isSimulatedPod = (pod: V1Pod, simulatedNodes: Set<string>) =>
    pod.spec?.nodeName !== undefined && simulatedNodes.has(pod.spec.nodeName);

/** What a person should know about results that depend on containers running on simulated nodes. */
export const SIMULATED_NOTE = "kwok's nodes are simulated: pods there report Ready, but no container runs";
