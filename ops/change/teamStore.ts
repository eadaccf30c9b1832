import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidInputError } from "../errors";
import { S3Store } from "./s3Store";

/**
 * Where a team's change locks live: beside the stack state, in the same backend, so every machine
 * that can update the stack sees them. Only one writer can create an object under a key.
 */
export interface TeamStore {
    /** Where the objects are, for messages: a folder or an s3:// prefix. */
    readonly location: string;
    /** Whether every machine using the backend sees this store, or only this checkout. */
    readonly shared: boolean;
    /** Writes the object only when none exists under that key; false when one does. */
    createExclusive(key: string, body: string): Promise<boolean>;
    read(key: string): Promise<string | undefined>;
    remove(key: string): Promise<void>;
}

/** The folder of mcp-ops' own objects inside a backend; Pulumi's own `.pulumi/` folder is never touched. */
const FOLDER = ".mcp-ops";

/**
 * The store of a stack's backend: a file backend's folder, or an S3-compatible bucket (written with
 * `If-None-Match: *`, so only one writer wins). Other backends (Pulumi Cloud, Azure, GCS) have no
 * place mcp-ops can write to: the store is then this checkout's `.local/ops-locks`, and says so.
 */
export function teamStore(backendUrl: string | undefined, project: string, projectDir: string): TeamStore {
    if (backendUrl?.startsWith("file://")) return new FileStore(join(fileURLToPath(backendUrl), FOLDER, project), true);
    if (backendUrl?.startsWith("s3://")) return new S3Store(backendUrl, `${FOLDER}/${project}`);
    return new FileStore(join(projectDir, ".local", "ops-locks"), false);
}

export class FileStore implements TeamStore {
    constructor(
        private readonly root: string,
        readonly shared: boolean,
    ) {}

    get location(): string {
        return this.root;
    }

    async createExclusive(key: string, body: string): Promise<boolean> {
        const path = this.path(key);
        mkdirSync(dirname(path), { recursive: true });
        const pending = `${path}.${process.pid}.pending`;
        writeFileSync(pending, body);
        try {
            // A hard link appears whole or not at all: a reader never sees a half-written object.
            linkSync(pending, path);
            return true;
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
            throw error;
        } finally {
            rmSync(pending, { force: true });
        }
    }

    async read(key: string): Promise<string | undefined> {
        try {
            return readFileSync(this.path(key), "utf8");
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
            throw error;
        }
    }

    async remove(key: string): Promise<void> {
        rmSync(this.path(key), { force: true });
    }

    private path(key: string): string {
        if (key.split("/").some((part) => part === ".." || part === "")) throw new InvalidInputError(`not a store key: ${key}`);
        return join(this.root, key);
    }
}
