import { createInterface } from "node:readline";
import { ConfirmationRefusedError } from "../errors";

export { ConfirmationRefusedError };

export interface ConfirmOptions {
    /** What is changed: a stack, or a store reached by --url. */
    stack: string;
    /** The stack's environment; unknown for a store reached by --url, which gets the plain question. */
    environment?: "local" | "staging" | "production";
    /** --yes */
    yes: boolean;
    /** Whether a person can answer (stdin is a terminal). */
    interactive: boolean;
    /** Asks a question and returns the answer. */
    ask: (question: string) => Promise<string>;
}

/** Asks on the terminal (stderr, so stdout stays for results). */
export function askOnTerminal(question: string): Promise<string> {
    return new Promise((resolve) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        rl.question(question, (answer) => {
            rl.close();
            resolve(answer);
        });
    });
}

/**
 * The confirm step of every change: `--yes` for CI; otherwise a prompt on a terminal, where
 * production asks for the stack name to be typed. Without a terminal and without `--yes`
 * nothing is changed.
 */
export async function confirmChange(summary: string, o: ConfirmOptions): Promise<void> {
    if (o.yes) return;
    if (!o.interactive) {
        throw new ConfirmationRefusedError(
            `not applying "${summary}" to ${o.stack}: no terminal to confirm on; review the preview above and pass --yes to apply`,
        );
    }
    if (o.environment === "production") {
        const typed = (await o.ask(`This changes PRODUCTION. Type the stack name (${o.stack}) to apply: `)).trim();
        if (typed !== o.stack) throw new ConfirmationRefusedError(`"${typed}" is not "${o.stack}"; nothing was changed`);
        return;
    }
    const answer = (await o.ask(`Apply "${summary}" to ${o.stack}? [y/N] `)).trim().toLowerCase();
    if (answer !== "y" && answer !== "yes") throw new ConfirmationRefusedError("not confirmed; nothing was changed");
}

/** The confirm step as commands run it: asks on this process's terminal, `--yes` answers for CI. */
export function confirmOnTerminal(summary: string, o: Pick<ConfirmOptions, "stack" | "environment" | "yes">): Promise<void> {
    return confirmChange(summary, { ...o, interactive: Boolean(process.stdin.isTTY), ask: askOnTerminal });
}
