import * as pulumi from "@pulumi/pulumi";

/** The kubernetes provider's annotation for applying with force (server-side apply). */
export const PATCH_FORCE_ANNOTATION = "pulumi.com/patchForce";

/**
 * Makes the program the owner of every field it declares. The provider applies with server-side
 * apply; a field someone changed by hand (`kubectl scale`, `kubectl label`) then belongs to
 * that someone, and every later preview and update of the object fails on the conflict, CI's
 * included. Desired state lives in the stack config, so the declared value wins: the out-of-band
 * change shows in `mcp-ops drift` and is put back by the next update. Fields the program does not
 * declare (the replicas of an HPA-owned Deployment) are never touched.
 */
export const takeFieldOwnership: pulumi.ResourceTransformation = (args) => {
    if (!args.type.startsWith("kubernetes:") || args.props.metadata === undefined) return undefined;
    const metadata = args.props.metadata as { annotations?: pulumi.Input<Record<string, pulumi.Input<string>>> };
    const annotations = pulumi.output(metadata.annotations ?? {}).apply((a) => ({ ...a, [PATCH_FORCE_ANNOTATION]: "true" }));
    return { props: { ...args.props, metadata: { ...metadata, annotations } }, opts: args.opts };
};
