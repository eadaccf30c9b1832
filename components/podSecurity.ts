import type * as k8s from "@pulumi/kubernetes";

/**
 * The Pod Security "restricted" profile, applied to every workload. The namespace enforces the
 * same profile, so a workload that drifts from it is rejected by the API server.
 */
export function restrictedPodSecurityContext(uid: number): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        fsGroup: uid,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

export const restrictedContainerSecurityContext: k8s.types.input.core.v1.SecurityContext = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/** UID used by the platform's own services (the conventional "nonroot" user). */
export const SERVICE_UID = 65532;

/** A writable /tmp for containers whose root filesystem is read-only. */
export const tmpVolume = { name: "tmp", emptyDir: { sizeLimit: "64Mi" } };
export const tmpMount = { name: "tmp", mountPath: "/tmp" };
