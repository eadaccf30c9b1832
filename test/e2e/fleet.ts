import { parse, stringify } from "yaml";

/**
 * A stack file with `extra` more MCP servers, copies of mcp-filesystem named mcp-extra-000 …,
 * placed with the prober and the exporters on the simulated nodes: a fleet's size without its
 * pods. (A prober on the real node would first wait out a round of timeouts against servers that
 * never answer: 250 s with 200 of them.)
 */
export function withExtraServers(extra: number, stackFile: string): string {
    const doc = parse(stackFile);
    const services = doc.config["mcp:services"];
    for (let i = 0; i < extra; i++) {
        // A copy each: shared objects would be written as YAML aliases, and readers cap how many a file may hold.
        services[`mcp-extra-${String(i).padStart(3, "0")}`] = {
            ...structuredClone(services["mcp-filesystem"]),
            image: services.gateway.image,
            placement: { nodeSelector: { type: "kwok" } },
        };
    }
    doc.config["mcp:monitoring"].placement = { nodeSelector: { type: "kwok" } };
    return stringify(doc);
}
