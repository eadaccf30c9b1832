import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, parse, parseDocument, type Document } from "yaml";
import { decodeStackConfig, parsePlatformConfig } from "../../config/load";
import type { PlatformConfig } from "../../config/schema";
import { InvalidInputError } from "../errors";

export const stackFilePath = (stack: string, projectDir: string) => join(projectDir, `Pulumi.${stack}.yaml`);

const noStackFile = (stack: string, file: string) =>
    new InvalidInputError(`stack "${stack}" has no settings file ${file}; use --stack with one of local, staging, production`);

function readStackFile(stack: string, projectDir: string): string {
    const file = stackFilePath(stack, projectDir);
    try {
        return readFileSync(file, "utf8");
    } catch {
        throw noStackFile(stack, file);
    }
}

/** A stack without a settings file is a typo: refused before any engine call. */
export function requireStackFile(stack: string, projectDir: string): void {
    const file = stackFilePath(stack, projectDir);
    if (!existsSync(file)) throw noStackFile(stack, file);
}

/** Raw `mcp:` config of a stack's settings file (Pulumi.<stack>.yaml), decoded as the program decodes it. */
export function readRawStackConfig(stack: string, projectDir: string): Record<string, unknown> {
    const file = parse(readStackFile(stack, projectDir)) as { config?: Record<string, unknown> } | null;
    return decodeStackConfig(file?.config ?? {});
}

/** The validated config of a stack's settings file. */
export function readStackConfig(stack: string, projectDir: string): PlatformConfig {
    return parsePlatformConfig(readRawStackConfig(stack, projectDir));
}

/** How the checked-in stack files are laid out, so an edit changes only the lines it must. */
const FORMAT = { flowCollectionPadding: false, lineWidth: 0 } as const;

/**
 * Writes top-level `mcp:` keys into the stack file (undefined removes a key), typed as YAML
 * (a boolean stays a boolean) and touching only the values that differ, so comments and the
 * layout of everything else are kept. The file is replaced atomically.
 */
export function writeStackConfigValues(stack: string, projectDir: string, values: Record<string, unknown>): void {
    replaceFile(stackFilePath(stack, projectDir), editStackConfigText(readStackFile(stack, projectDir), values));
}

/** The same edit on a stack file's text: another version of the file (git's, say) gets exactly this change. */
export function editStackConfigText(text: string, values: Record<string, unknown>): string {
    const doc = parseDocument(text);
    for (const [key, value] of Object.entries(values)) {
        const path = ["config", `mcp:${key}`];
        if (value === undefined) doc.deleteIn(path);
        else mergeInto(doc, path, value);
    }
    return doc.toString(FORMAT);
}

/** The stack file's exact text, and a way to put it back byte for byte. */
export function snapshotStackFile(stack: string, projectDir: string): { restore(): void } {
    const text = readStackFile(stack, projectDir);
    return { restore: () => replaceFile(stackFilePath(stack, projectDir), text) };
}

function mergeInto(doc: Document, path: string[], value: unknown): void {
    const node = doc.getIn(path, true);
    if (isMap(node) && isPlainObject(value)) {
        for (const item of [...node.items]) {
            const key = String((item.key as { value?: unknown })?.value ?? item.key);
            if (!(key in value)) doc.deleteIn([...path, key]);
        }
        for (const [key, child] of Object.entries(value)) {
            if (child === undefined) doc.deleteIn([...path, key]);
            else mergeInto(doc, [...path, key], child);
        }
        return;
    }
    const current = doc.getIn(path);
    const plain =
        current !== null && typeof current === "object" && "toJSON" in current ? (current as { toJSON(): unknown }).toJSON() : current;
    if (JSON.stringify(plain) !== JSON.stringify(value)) doc.setIn(path, value);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === "object" && !Array.isArray(value);

/** Replaces a file whole: readers see the old text or the new, never part of either. */
export function replaceFile(file: string, text: string): void {
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, file);
}
