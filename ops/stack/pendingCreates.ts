/**
 * What a killed update left half-done in the state: its pending operations. A pending create may
 * have reached the cluster before the engine died, and the Kubernetes provider refuses to create
 * an object that already exists ("already exists"), so simply dropping the operation would make
 * every later update fail on it. Such a create is adopted instead: it becomes a state entry with
 * the object's ID, which the refresh that follows reads, keeping it when the object exists and
 * dropping it when it does not. (`pulumi refresh --import-pending-creates` marks the operation as
 * an import; with the CLI this project pins, the refresh then dropped it, object unrecorded.)
 */

export interface PendingOperation {
    type: string;
    resource: StateResource;
}

export interface StateResource {
    urn: string;
    type: string;
    custom?: boolean;
    id?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    [field: string]: unknown;
}

export interface PendingResolution {
    /** Entries added for the refresh to read, with the ID it reads them by. */
    adopted: Array<{ type: string; urn: string; id: string }>;
    /** Operations dropped: updates, deletes, components, creates of objects without a name. */
    cleared: Array<{ type: string; urn: string }>;
}

/** The provider's ID of a Kubernetes object: `namespace/name`, or `name` for a cluster-wide one. */
export function kubernetesObjectId(inputs: Record<string, unknown> | undefined): string | undefined {
    const metadata = inputs?.metadata as { name?: unknown; namespace?: unknown } | undefined;
    if (typeof metadata?.name !== "string" || metadata.name === "") return undefined;
    return typeof metadata.namespace === "string" && metadata.namespace !== "" ? `${metadata.namespace}/${metadata.name}` : metadata.name;
}

/**
 * Empties the deployment's pending operations, appending an entry for each Kubernetes create to
 * its resources. Appending keeps the state's order valid: whatever the create depended on, its
 * parent included, finished before it started, and nothing finished after it that depends on it.
 */
export function resolvePendingOperations(deployment: {
    resources?: StateResource[];
    pending_operations?: PendingOperation[];
}): PendingResolution {
    const resolution: PendingResolution = { adopted: [], cleared: [] };
    const resources = (deployment.resources ??= []);
    for (const { type, resource } of deployment.pending_operations ?? []) {
        const id =
            type === "creating" && resource.custom && resource.type.startsWith("kubernetes:")
                ? kubernetesObjectId(resource.inputs)
                : undefined;
        if (id === undefined) {
            resolution.cleared.push({ type: resource.type, urn: resource.urn });
            continue;
        }
        // The outputs the provider's read starts from until it has the live object.
        resources.push({ ...resource, id, outputs: { ...resource.inputs } });
        resolution.adopted.push({ type: resource.type, urn: resource.urn, id });
    }
    deployment.pending_operations = [];
    return resolution;
}
