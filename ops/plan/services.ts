import type { PlatformConfig } from "../../config/schema";
import { InvalidInputError } from "../errors";

/** Refuses a service the stack does not declare, naming the ones it does (an edit would otherwise declare a new one). */
export function requireService(config: PlatformConfig, name: string): void {
    if (!config.services[name]) {
        throw new InvalidInputError(`unknown service "${name}"; this stack has: ${Object.keys(config.services).join(", ")}`);
    }
}
