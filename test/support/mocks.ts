import * as pulumi from "@pulumi/pulumi";

/** A resource as the mocked engine saw it registered. */
export interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
    /** The id and state the mocked provider answered with. */
    id: string;
    state: Record<string, any>;
}

/** The value the mocked random provider "generates": distinctive, so tests can look for leaks. */
export function mockedSecretValue(name: string, keepers: Record<string, string> | undefined): string {
    return `SECRET-${name}-${keepers?.rotationEpoch ?? "none"}-VALUE`;
}

/**
 * Installs Pulumi mocks that record every registered resource, and answers with plausible
 * provider outputs (generated passwords, bucket ARNs, role ARNs).
 */
export async function recordResources(stack = "unit"): Promise<Registered[]> {
    const registered: Registered[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const state: Record<string, any> = { ...args.inputs };
                const id = `${args.name}-id`;
                registered.push({ type: args.type, name: args.name, inputs: args.inputs, id, state });
                if (args.type === "random:index/randomPassword:RandomPassword") {
                    state.result = mockedSecretValue(args.name, args.inputs.keepers);
                }
                if (args.type === "aws:s3/bucket:Bucket") {
                    state.bucket = args.inputs.bucket ?? `${args.name}-0123abcd`;
                    state.arn = `arn:aws:s3:::${state.bucket}`;
                }
                if (args.type === "aws:iam/role:Role") state.arn = `arn:aws:iam::123456789012:role/${args.name}`;
                return { id, state };
            },
            call(args) {
                return args.inputs;
            },
        },
        "mcp-platform",
        stack,
        false,
    );
    return registered;
}

/** Waits until no more resources are being registered. */
export async function settle(registered: Registered[]): Promise<void> {
    let stableRounds = 0;
    let last = -1;
    while (stableRounds < 5) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        stableRounds = registered.length === last ? stableRounds + 1 : 0;
        last = registered.length;
    }
}

/** Resolves every Output inside a value, for asserting on exported outputs. */
export async function resolveDeep(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const inner = await new Promise<unknown>((resolve) => (value as pulumi.Output<unknown>).apply(resolve));
        return resolveDeep(inner);
    }
    if (Array.isArray(value)) return Promise.all(value.map(resolveDeep));
    if (value !== null && typeof value === "object") {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveDeep(v)] as const));
        return Object.fromEntries(entries);
    }
    return value;
}
