import type { PlatformConfig } from "../../config/schema";
import { InvalidInputError } from "../errors";
import { type ProbeTarget, probeTargets } from "../../config/probeTargets";

/** Every MCP server's target, with `--endpoint` overrides (name -> base URL) checked against the stack's services. */
export function healthTargets(config: PlatformConfig, endpoints: Record<string, string> = {}): ProbeTarget[] {
    refuseUnknownServices(config, endpoints);
    return probeTargets(config, endpoints);
}

/** Every name an endpoint flag gives must be a service of the stack. */
export function refuseUnknownServices(config: PlatformConfig, endpoints: Record<string, string>, flagName = "--endpoint"): void {
    for (const name of Object.keys(endpoints)) {
        if (!config.services[name]) {
            throw new InvalidInputError(
                `${flagName} names "${name}", which is not a service of this stack; use one of: ${Object.keys(config.services).join(", ")}`,
            );
        }
    }
}

/** Parses repeated `--endpoint name=url` flags (or another flag of that form). */
export function parseEndpoints(values: string[], flagName = "--endpoint"): Record<string, string> {
    const out: Record<string, string> = {};
    for (const value of values) {
        const eq = value.indexOf("=");
        const url = value.slice(eq + 1);
        if (eq <= 0 || !/^https?:\/\/[^/]+/.test(url)) {
            throw new InvalidInputError(
                `${flagName} "${value}" is not name=url; write it as ${flagName} mcp-memory=http://127.0.0.1:18080`,
            );
        }
        out[value.slice(0, eq)] = url;
    }
    return out;
}
