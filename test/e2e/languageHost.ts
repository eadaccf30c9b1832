import { accessSync, constants, realpathSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";

const HOST = "pulumi-language-nodejs";

/**
 * Pulumi's Node.js language host, which runs `index.ts` and the policy pack under the CLI: it comes
 * in the CLI's release archive, beside the CLI. Looked for there, then on PATH; the suite refuses
 * to start without it and says what it needs.
 */
export function languageHostFor(pulumi: string): string {
    const candidates = [dirname(realpathSync(pulumi)), ...(process.env.PATH ?? "").split(delimiter).filter(Boolean)].map((d) =>
        join(d, HOST),
    );
    for (const candidate of candidates) {
        try {
            accessSync(candidate, constants.X_OK);
            return candidate;
        } catch {
            // not here
        }
    }
    throw new Error(
        `${HOST} (Pulumi's Node.js language host, part of the Pulumi CLI's release archive) is neither beside the CLI at ` +
            `${realpathSync(pulumi)} nor on PATH: the workflows run index.ts and the policy pack through it. Put the one of ` +
            `the CLI's version beside the CLI or on PATH.`,
    );
}
