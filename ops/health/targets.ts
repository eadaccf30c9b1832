import type { PlatformConfig } from "../../config/schema";
import { InvalidInputError } from "../errors";
import type { HealthTarget } from "./health";

/**
 * Health targets for every MCP server in the config (the services that declare expected tools).
 * Each is reached in-cluster by default; `endpoints` (name -> base URL) override that for
 * port-forwarded access, e.g. {"mcp-memory": "http://127.0.0.1:18080"}.
 */
export function healthTargets(config: PlatformConfig, endpoints: Record<string, string> = {}): HealthTarget[] {
    const servers = Object.entries(config.services).filter(([, s]) => s.tools.length > 0);
    for (const name of Object.keys(endpoints)) {
        if (!config.services[name]) {
            throw new InvalidInputError(
                `--endpoint names "${name}", which is not a service of this stack; use one of: ${Object.keys(config.services).join(", ")}`,
            );
        }
    }
    return servers.map(([name, s]) => {
        const base = (endpoints[name] ?? `http://${name}.${config.namespace}.svc.cluster.local:${s.port}`).replace(/\/+$/, "");
        return { name, restUrl: `${base}${s.health.path}`, mcpUrl: `${base}${s.health.mcpPath}`, expectedTools: s.tools };
    });
}

/** Parses repeated `--endpoint name=url` flags. */
export function parseEndpoints(flags: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const flag of flags) {
        const eq = flag.indexOf("=");
        const url = flag.slice(eq + 1);
        if (eq <= 0 || !/^https?:\/\/[^/]+/.test(url)) {
            throw new InvalidInputError(`--endpoint "${flag}" is not name=url; write it as --endpoint mcp-memory=http://127.0.0.1:18080`);
        }
        out[flag.slice(0, eq)] = url;
    }
    return out;
}
