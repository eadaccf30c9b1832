import * as pulumi from "@pulumi/pulumi";

/** A registered resource's URN as the engine would give it, and the URNs its aliases carry over. */
export interface UrnRecord {
    urn: string;
    aliases: string[];
    /** Its parent's URN ("" under the stack). */
    parent: string;
    /** What it depends on, as the engine records it: explicit and property dependencies, deletedWith. */
    dependencies: string[];
}

interface AliasSpec {
    getName(): string;
    getType(): string;
    getStack(): string;
    getProject(): string;
    getParenturn(): string;
    getNoparent(): boolean;
}
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getAliasesList(): Array<{ getUrn(): string; getSpec(): AliasSpec | undefined }>;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(each: (deps: { getUrnsList(): string[] }) => void): void };
    getDeletedwith(): string;
}
interface Monitor {
    registerResource(req: RegisterRequest, callback: unknown): unknown;
}

/**
 * Records the URN of every resource the program registers under the current mocks. The engine
 * qualifies a type with its whole parent chain (`A$B$type`), the mock monitor only with the last
 * parent, so the URNs are built here as the engine builds them, parent chains and aliases alike.
 * Call after `pulumi.runtime.setMocks`.
 */
export function recordUrns(): UrnRecord[] {
    const records: UrnRecord[] = [];
    const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): Monitor };
    const monitor = settings.getMonitor();
    const engineUrnOf = new Map<string, string>(); // the mock's parent URN → the engine's
    const stack = pulumi.getStack();
    const project = pulumi.getProject();
    const urn = (parent: string, type: string, name: string, s = stack, p = project) =>
        `urn:pulumi:${s}::${p}::${parent ? `${parent.split("::")[2]}$${type}` : type}::${name}`;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        const parent = engineUrnOf.get(req.getParent()) ?? req.getParent();
        const own = urn(parent, req.getType(), req.getName());
        const aliases = req.getAliasesList().map((alias) => {
            const spec = alias.getSpec();
            if (!spec) return alias.getUrn();
            const aliasParent = spec.getNoparent() ? "" : spec.getParenturn() || parent;
            return urn(
                aliasParent,
                spec.getType() || req.getType(),
                spec.getName() || req.getName(),
                spec.getStack() || stack,
                spec.getProject() || project,
            );
        });
        const dependsOn = new Set([...req.getDependenciesList(), req.getDeletedwith()]);
        req.getPropertydependenciesMap().forEach((deps) => deps.getUrnsList().forEach((dep) => dependsOn.add(dep)));
        dependsOn.delete("");
        const dependencies = [...dependsOn].map((dep) => engineUrnOf.get(dep) ?? dep);
        records.push({ urn: own, aliases, parent, dependencies });
        // The mock answers with its own URN; later children name it as their parent.
        const mockParentType = req.getParent() ? req.getParent().split("::")[2].split("$").pop() : undefined;
        const mockType = mockParentType ? `${mockParentType}$${req.getType()}` : req.getType();
        const mockUrn = `urn:pulumi:${stack}::${project}::${mockType}::${req.getName()}`;
        engineUrnOf.set(mockUrn, own);
        return register(req, callback);
    };
    return records;
}
