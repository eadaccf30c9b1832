import { parseImageReference } from "./imageReference";

/** An image is pinned when it is a valid reference naming a digest, or a tag other than "latest". */
export function isPinnedImage(image: string): boolean {
    const parsed = parseImageReference(image);
    if (!("reference" in parsed)) return false;
    const { tag, digest } = parsed.reference;
    return digest !== undefined || (tag !== undefined && tag !== "latest");
}

/**
 * This project's own image: `mcp-ops` with the PostgreSQL client tools, built by `npm run images`
 * and published by the images workflow on a version tag. The prober and the PostgreSQL backup job
 * run it; `mcp:monitoring.proberImage` and `mcp:backups.opsImage` default to it.
 */
export const MCP_OPS_IMAGE = "ghcr.io/mcp-platform/mcp-ops:0.1.0";
