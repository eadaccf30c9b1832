import type { PlatformConfig } from "../../config/schema";
import { InvalidInputError } from "../errors";
import { type ProbeTarget, probeTargets } from "../../config/probeTargets";

/** Every MCP server's target, with `--endpoint` overrides (name -> base URL) checked against the stack's services. */
export function healthTargets(config: PlatformConfig, endpoints: Record<string, string> = {}): ProbeTarget[] {
    for (const name of Object.keys(endpoints)) {
        if (!config.services[name]) {
            throw new InvalidInputError(
                `--endpoint names "${name}", which is not a service of this stack; use one of: ${Object.keys(config.services).join(", ")}`,
            );
        }
    }
    return probeTargets(config, endpoints);
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
