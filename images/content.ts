import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
    chmodSync,
    copyFileSync,
    cpSync,
    existsSync,
    mkdirSync,
    readdirSync,
    readFileSync,
    realpathSync,
    renameSync,
    rmSync,
    symlinkSync,
    writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ContentKind } from "./catalog";

export interface ContentContext {
    repo: string;
    /** The toolchain's bin folder (scripts/toolchain.sh images). */
    toolchainBin: string;
    /** Where installed npm packages are cached (the images' cache). */
    cacheDir: string;
    /** Install npm packages anew instead of taking them from the cache. */
    fresh: boolean;
    log: (line: string) => void;
}

/** Files the project adds to an image, written into the empty folder `stage` (its root). */
export function fillContent(content: ContentKind, stage: string, ctx: ContentContext): void {
    // A mount point for the pod's writable /tmp, which a read-only root filesystem cannot create.
    mkdirSync(join(stage, "tmp"), { recursive: true });
    chmodSync(join(stage, "tmp"), 0o1777);
    switch (content.kind) {
        case "mcp-ops":
            return mcpOps(stage, ctx);
        case "mcp-server":
            return mcpServer(content, stage, ctx);
        case "postgres-entrypoint":
            return install(
                join(ctx.repo, "images", "postgresql", "entrypoint.sh"),
                join(stage, "usr/local/bin/postgres-entrypoint"),
                0o755,
            );
        case "toolchain-binary":
            return install(join(ctx.toolchainBin, content.binary), join(stage, content.path), 0o755);
        case "none":
            return;
    }
}

/** The project's pinned Node.js (the npm package `node`), not whatever Node.js runs the build. */
function nodeBinary(repo: string): string {
    return realpathSync(join(repo, "node_modules", "node", "bin", "node"));
}

function install(from: string, to: string, mode: number): void {
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
    chmodSync(to, mode);
}

/**
 * Production npm packages exactly as the lock file pins them, without install scripts. npm ci takes
 * about 20 s for mcp-ops and a copy 5, so the result is cached by what determines it (the package
 * files and npm's version); `fresh` installs anew. One entry per app: a new lock file replaces it.
 */
function npmProductionInstall(dir: string, ctx: ContentContext): void {
    const app = basename(dir);
    const where = dir.slice(dir.indexOf("/opt/"));
    const key = createHash("sha256")
        .update(readFileSync(join(dir, "package.json")))
        .update(readFileSync(join(dir, "package-lock.json")))
        .update(execFileSync("npm", ["--version"], { encoding: "utf8" }))
        .digest("hex")
        .slice(0, 16);
    const cached = join(ctx.cacheDir, `npm-${app}-${key}`);
    if (!ctx.fresh && existsSync(cached)) {
        ctx.log(`npm packages for ${where}: cached`);
        execFileSync("cp", ["--archive", join(cached, "node_modules"), dir]);
        return;
    }
    ctx.log(`npm packages for ${where}: npm ci --omit=dev ...`);
    execFileSync("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], {
        cwd: dir,
        stdio: ["ignore", "ignore", "inherit"],
    });
    mkdirSync(ctx.cacheDir, { recursive: true });
    for (const older of readdirSync(ctx.cacheDir).filter((name) => name.startsWith(`npm-${app}-`))) {
        rmSync(join(ctx.cacheDir, older), { recursive: true, force: true });
    }
    mkdirSync(`${cached}.partial`);
    execFileSync("cp", ["--archive", join(dir, "node_modules"), `${cached}.partial`]);
    renameSync(`${cached}.partial`, cached);
}

/** mcp-ops compiled (dist/), its entry script and its production packages, under /opt/mcp-ops; `mcp-ops` on PATH. */
function mcpOps(stage: string, ctx: ContentContext): void {
    const app = join(stage, "opt", "mcp-ops");
    mkdirSync(join(app, "ops"), { recursive: true });
    for (const file of ["package.json", "package-lock.json", "tsconfig.build.json"]) copyFileSync(join(ctx.repo, file), join(app, file));
    install(join(ctx.repo, "ops", "mcp-ops.js"), join(app, "ops", "mcp-ops.js"), 0o755);
    cpSync(join(ctx.repo, "dist"), join(app, "dist"), { recursive: true, filter: (src) => !src.endsWith(".map") });
    npmProductionInstall(app, ctx);
    install(nodeBinary(ctx.repo), join(stage, "usr/local/bin/node"), 0o755);
    symlinkSync("/opt/mcp-ops/ops/mcp-ops.js", join(stage, "usr/local/bin/mcp-ops"));
}

/**
 * An official MCP reference server (a stdio program) behind supergateway, which serves it over
 * streamable HTTP at /mcp with /health, one server process per MCP session.
 */
function mcpServer(content: Extract<ContentKind, { kind: "mcp-server" }>, stage: string, ctx: ContentContext): void {
    const app = join(stage, "opt", "mcp-servers");
    mkdirSync(app, { recursive: true });
    for (const file of ["package.json", "package-lock.json"]) copyFileSync(join(ctx.repo, "images", "mcp-servers", file), join(app, file));
    npmProductionInstall(app, ctx);
    install(nodeBinary(ctx.repo), join(stage, "usr/local/bin/node"), 0o755);
    for (const dir of content.stdioArgs) {
        mkdirSync(join(stage, dir), { recursive: true });
        writeFileSync(join(stage, dir, "README.md"), "Files this MCP filesystem server may read.\n");
    }
    const server = [`/opt/mcp-servers/node_modules/${content.npmPackage}/dist/index.js`, ...content.stdioArgs].join(" ");
    const script = `#!/bin/sh
# Serves ${content.bin} (stdio) over MCP streamable HTTP on $PORT at /mcp, with /health for the probes.
# Sessions a client abandons are closed after a minute, with their server process.
set -eu
# supergateway exits when its standard input closes, and a pod's is closed from the start: give it
# one that never ends, a FIFO opened for reading and writing (then unlinked; the descriptor stays).
fifo="$(mktemp -u /tmp/mcp-http.XXXXXX)"
mkfifo -m 600 "$fifo"
exec 0<>"$fifo"
rm -f "$fifo"
exec node /opt/mcp-servers/node_modules/supergateway/dist/index.js --stdio "node ${server}" \\
  --outputTransport streamableHttp --stateful --sessionTimeout 60000 \\
  --port "\${PORT:-3000}" --streamableHttpPath /mcp --healthEndpoint /health
`;
    mkdirSync(join(stage, "usr/local/bin"), { recursive: true });
    writeFileSync(join(stage, "usr/local/bin/mcp-http"), script, { mode: 0o755 });
}
