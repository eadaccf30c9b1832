import { type Command, Option } from "commander";
import { InvalidInputError } from "../errors";

/**
 * Flags and argument parsers every command shares, defined once. Range checks beyond "a whole
 * number" belong to the config schema (for edits) or to the command that knows the range.
 */

/** The one integer parser: a whole number (0, 1, 2, …), named by its flag in the error. */
export const wholeNumber = (name: string) => (value: string) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isInteger(n) || n < 0)
        throw new InvalidInputError(`${name} "${value}" is not a whole number (0, 1, 2, …)`);
    return n;
};

export const onOff = (value: string) => {
    if (value !== "on" && value !== "off") throw new InvalidInputError(`"${value}" is neither on nor off`);
    return value === "on";
};

/** A repeatable flag's values, in order. */
export const collect = (value: string, previous: string[]) => [...previous, value];

/** An option taking a whole number; an error names the flag. */
export function numberOption(flags: string, description: string): Option {
    const option = new Option(flags, description);
    return option.argParser(wholeNumber(option.long ?? flags));
}

export const withStack = (command: Command, description = "stack") => command.option("--stack <name>", description, "local");

export const withKubeconfig = (command: Command, what = "cluster") =>
    command.option("--kubeconfig <file>", `${what} (default: $KUBECONFIG, else the local cluster if up)`);

export const withJson = (command: Command, what = "the result") => command.option("--json", `print ${what} as JSON`, false);

export const withYes = (command: Command, what: string) => command.option("--yes", `${what} without asking (CI)`, false);
