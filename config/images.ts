/**
 * An image is pinned when it names a digest, or a tag other than "latest". A registry port
 * ("host:5000/name") is not a tag, so only the last path segment is inspected.
 */
export function isPinnedImage(image: string): boolean {
    if (/@sha256:[a-f0-9]{64}$/.test(image)) return true;
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const colon = lastSegment.lastIndexOf(":");
    if (colon < 0) return false;
    const tag = lastSegment.slice(colon + 1);
    return tag.length > 0 && tag !== "latest";
}

/**
 * This project's own image: `mcp-ops` with the PostgreSQL client tools, built by `npm run images`
 * and published by the images workflow on a version tag. The prober and the PostgreSQL backup job
 * run it; `mcp:monitoring.proberImage` and `mcp:backups.opsImage` default to it.
 */
export const MCP_OPS_IMAGE = "ghcr.io/mcp-platform/mcp-ops:0.1.0";
