import { SERVICE_UID } from "../components/podSecurity";
import { POSTGRES_UID } from "../components/postgres";
import { REDIS_UID } from "../components/redis";
import { MCP_OPS_IMAGE } from "../config/images";

/** A Debian root filesystem, made by mmdebstrap from one suite. */
export interface DebianRoot {
    /** The suite the packages come from: its name pins the release, so a major version cannot move under a tag. */
    suite: "bookworm" | "trixie";
    packages: string[];
    /** System users created before the packages are installed, so the packages keep these UIDs. */
    users?: Array<{ name: string; uid: number; home: string }>;
    /** Paths removed after installation (what a package creates for a host and a container has no use for). */
    remove?: string[];
}

/** What the image's tag claims about the software in it, checked against the installed package. */
export interface VersionClaim {
    debianPackage: string;
    /** The installed version must start with this (the upstream version, epoch included). */
    versionPrefix: string;
}

/** What the project adds on top of the root filesystem, filled into an empty staging folder. */
export type ContentKind =
    | { kind: "mcp-ops" }
    | { kind: "mcp-server"; npmPackage: string; bin: string; stdioArgs: string[] }
    | { kind: "postgres-entrypoint" }
    | { kind: "toolchain-binary"; binary: string; path: string }
    | { kind: "none" };

export interface ImageSpec {
    /** Short name: the CLI argument and the archive's file name. */
    name: string;
    /** The reference the image is tagged with. Local images are `localhost/…` and never claim another build's tag. */
    ref: string;
    description: string;
    /** No root filesystem for a lone static binary. */
    debian?: DebianRoot;
    claim?: VersionClaim;
    content: ContentKind;
    /** Numeric "uid:gid": Kubernetes can verify runAsNonRoot only for a numeric user. */
    user: string;
    entrypoint: string[];
    cmd?: string[];
    env: Record<string, string>;
    workdir: string;
}

/** Each image's user is the UID its pods declare, so files the image owns are the pod's. */
const SERVICE_USER = `${SERVICE_UID}:${SERVICE_UID}`;
/** A passwd entry for it: initdb (the restore drill's scratch server) refuses a user it cannot look up. */
const SERVICE_ACCOUNT = { name: "mcp", uid: SERVICE_UID, home: "/tmp" };
const BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** Node.js links libstdc++; ca-certificates lets it and libpq verify TLS servers. */
const NODE_RUNTIME = ["ca-certificates", "libstdc++6"];
/** The local MCP servers are the official reference servers at this release. */
export const REFERENCE_SERVERS_VERSION = "2026.8.31";

const mcpServer = (server: "memory" | "filesystem", stdioArgs: string[], env: Record<string, string>): ImageSpec => ({
    name: `mcp-server-${server}`,
    ref: `localhost/mcp-platform/mcp-server-${server}:${REFERENCE_SERVERS_VERSION}`,
    description: `The official MCP ${server} reference server, served over streamable HTTP on $PORT (default 3000) with /health`,
    debian: { suite: "trixie", packages: NODE_RUNTIME, users: [SERVICE_ACCOUNT] },
    content: { kind: "mcp-server", npmPackage: `@modelcontextprotocol/server-${server}`, bin: `mcp-server-${server}`, stdioArgs },
    user: SERVICE_USER,
    entrypoint: ["/usr/local/bin/mcp-http"],
    env: { PATH: BASE_PATH, PORT: "3000", ...env },
    workdir: "/",
});

/**
 * Every image `npm run images` builds. mcp-ops is the one that is published; the others exist so
 * the local stack can run real containers without a registry.
 */
export const IMAGES: ImageSpec[] = [
    {
        name: "mcp-ops",
        ref: MCP_OPS_IMAGE,
        description:
            "mcp-ops, the platform's ops tool, with PostgreSQL 17 (client tools, and a server for restore drills) and " +
            "redis-server (for restore drills); the prober, the PostgreSQL backup job and the restore drills run it",
        // trixie's PostgreSQL (17) can dump every server up to 17; bookworm's (15) cannot dump the declared 16. A dump
        // by pg_dump 17 restores only with pg_restore 17, so the drill's scratch server comes along. trixie's
        // redis-server (8.0) loads the RDB of every older Redis, for the Redis drill's scratch server.
        debian: {
            suite: "trixie",
            packages: [...NODE_RUNTIME, "postgresql-client-17", "postgresql-17", "redis-server"],
            users: [SERVICE_ACCOUNT],
            remove: ["/etc/postgresql/17", "/var/lib/postgresql/17", "/etc/redis/redis.conf", "/var/lib/redis", "/var/log/redis"],
        },
        claim: { debianPackage: "postgresql-client-17", versionPrefix: "17." },
        content: { kind: "mcp-ops" },
        user: SERVICE_USER,
        entrypoint: ["/usr/local/bin/mcp-ops"],
        env: { PATH: BASE_PATH, NODE_ENV: "production" },
        workdir: "/",
    },
    {
        name: "redis",
        ref: "localhost/mcp-platform/redis:7.0-bookworm",
        description: "Debian bookworm's redis-server 7.0 and redis-cli, as the Redis StatefulSet and its backup job run them",
        debian: {
            suite: "bookworm",
            packages: ["redis-server"],
            users: [{ name: "redis", uid: REDIS_UID, home: "/var/lib/redis" }],
            remove: ["/etc/redis/redis.conf", "/var/lib/redis", "/var/log/redis"],
        },
        claim: { debianPackage: "redis-server", versionPrefix: "5:7.0." },
        content: { kind: "none" },
        user: `${REDIS_UID}:${REDIS_UID}`,
        entrypoint: [],
        cmd: ["redis-server"],
        env: { PATH: BASE_PATH },
        workdir: "/data",
    },
    {
        name: "postgresql",
        ref: "localhost/mcp-platform/postgresql:15-bookworm",
        description:
            "Debian bookworm's PostgreSQL 15 with the entrypoint contract the program relies on (POSTGRES_USER/DB/PASSWORD, PGDATA)",
        debian: {
            suite: "bookworm",
            packages: ["postgresql-15"],
            users: [{ name: "postgres", uid: POSTGRES_UID, home: "/var/lib/postgresql" }],
            // The package's own cluster: the entrypoint initialises PGDATA instead.
            remove: ["/etc/postgresql/15", "/var/lib/postgresql/15"],
        },
        claim: { debianPackage: "postgresql-15", versionPrefix: "15." },
        content: { kind: "postgres-entrypoint" },
        user: `${POSTGRES_UID}:${POSTGRES_UID}`,
        entrypoint: ["/usr/local/bin/postgres-entrypoint"],
        cmd: ["postgres"],
        env: { PATH: `/usr/lib/postgresql/15/bin:${BASE_PATH}`, PGDATA: "/var/lib/postgresql/data", LANG: "C.UTF-8" },
        workdir: "/",
    },
    {
        name: "postgres-exporter",
        ref: "localhost/mcp-platform/postgres-exporter:v0.17.1",
        description: "postgres_exporter v0.17.1 built from its Go module: the release the stacks declare",
        content: { kind: "toolchain-binary", binary: "postgres_exporter", path: "/bin/postgres_exporter" },
        user: SERVICE_USER,
        entrypoint: ["/bin/postgres_exporter"],
        env: {},
        workdir: "/",
    },
    {
        name: "redis-exporter",
        ref: "localhost/mcp-platform/redis-exporter:1.69-trixie",
        description:
            "Debian trixie's redis_exporter 1.69, with the CA certificates a TLS Redis is verified against; " +
            "it exports the metric names the alerts read",
        debian: {
            suite: "trixie",
            packages: ["prometheus-redis-exporter", "ca-certificates"],
            // The package's service files for a host; the container runs the binary itself.
            remove: [
                "/etc/default/prometheus-redis-exporter",
                "/etc/init.d/prometheus-redis-exporter",
                "/etc/logrotate.d/prometheus-redis-exporter",
                "/var/lib/prometheus",
                "/var/log/prometheus",
            ],
        },
        claim: { debianPackage: "prometheus-redis-exporter", versionPrefix: "1.69." },
        content: { kind: "none" },
        user: SERVICE_USER,
        entrypoint: ["/usr/bin/prometheus-redis-exporter"],
        env: { PATH: BASE_PATH },
        workdir: "/",
    },
    mcpServer("memory", [], { MEMORY_FILE_PATH: "/tmp/memory.jsonl" }),
    mcpServer("filesystem", ["/srv/files"], {}),
    {
        name: "coredns",
        ref: "localhost/mcp-platform/coredns:1.15.0",
        description: "CoreDNS 1.15.0 built from its Go module: the local cluster's DNS on the real node",
        content: { kind: "toolchain-binary", binary: "coredns", path: "/bin/coredns" },
        user: SERVICE_USER,
        entrypoint: ["/bin/coredns"],
        env: {},
        workdir: "/",
    },
    {
        name: "pause",
        ref: "localhost/mcp-platform/pause:3.10.1",
        description: "Kubernetes' pause (the pod sandbox), compiled from the pinned Kubernetes release's pause.c",
        content: { kind: "toolchain-binary", binary: "pause", path: "/pause" },
        user: "65535:65535",
        entrypoint: ["/pause"],
        env: {},
        workdir: "/",
    },
];

export function imageByName(name: string): ImageSpec {
    const image = IMAGES.find((i) => i.name === name);
    if (!image) throw new Error(`no image named "${name}"; the images are: ${IMAGES.map((i) => i.name).join(", ")}`);
    return image;
}
