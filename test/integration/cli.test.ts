import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli";
import { REPO_ROOT } from "../support/platform";
import { issueCertificate } from "../support/tls";
import { parsePromText, valueOf } from "../support/promText";
import { startMcpServer, type TestMcpServer } from "../support/mcpServer";
import { startComponentServer, type TestComponentServer } from "../support/componentServer";
import { startPostgresServer } from "../support/postgresServer";
import { fillKeys, type RedisServer, startRedisServer, countKeys } from "../support/redisServer";

describe("mcp-ops health", () => {
    let filesystem: TestMcpServer;
    let memory: TestMcpServer;
    let component: TestComponentServer;
    /** The gateway and router (the user's images) stood in for by one server with their /health and /metrics. */
    let components: string[];

    beforeAll(async () => {
        filesystem = await startMcpServer({ tools: ["read_file", "list_directory", "search_files"] });
        memory = await startMcpServer({ tools: ["create_entities", "search_nodes"] });
        component = await startComponentServer();
        components = ["gateway", "router"].flatMap((name) => [
            "--endpoint",
            `${name}=${component.url}`,
            "--metrics-endpoint",
            `${name}=${component.url}`,
        ]);
    });
    afterAll(async () => Promise.all([filesystem?.stop(), memory?.stop(), component?.stop()]));

    it("checks the stack's MCP servers through --endpoint and exits by the overall status", async () => {
        const result = await runCli([
            "health",
            "--no-cluster",
            "--stack",
            "local",
            "--no-redis",
            "--no-postgres",
            ...components,
            "--endpoint",
            `mcp-filesystem=${filesystem.url}`,
            "--endpoint",
            `mcp-memory=${memory.url}`,
            "--json",
        ]);
        const report = JSON.parse(result.stdout);
        expect(report.services.map((s: any) => [s.name, s.status])).toEqual([
            ["mcp-filesystem", "HEALTHY"],
            ["mcp-memory", "DEGRADED"],
        ]);
        expect(report.services[1].missingTools).toEqual(["read_graph"]);
        expect(report.components.map((c: any) => [c.name, c.status, c.metrics.samples])).toEqual([
            ["gateway", "HEALTHY", 2],
            ["router", "HEALTHY", 2],
        ]);
        expect(result.code).toBe(1);
    });

    it("prints a readable report", async () => {
        const result = await runCli([
            "health",
            "--no-cluster",
            "--no-redis",
            "--no-postgres",
            ...components,
            "--endpoint",
            `mcp-filesystem=${filesystem.url}`,
            "--endpoint",
            `mcp-memory=${filesystem.url}`,
        ]);
        expect(result.stdout).toMatch(/^overall: DEGRADED/);
        expect(result.stdout).toMatch(/HEALTHY\s+gateway\s+rest ok \d+ ms\s+metrics ok \d+ ms, 2 samples/);
        expect(result.stdout).toMatch(/HEALTHY\s+mcp-filesystem\s+rest ok \d+ ms\s+mcp ok \d+ ms\s+3 tools/);
        expect(result.stdout).toContain("expected tools missing: create_entities, search_nodes, read_graph");
    });

    it("checks Redis too, and repeats with --watch for the given count", async () => {
        const redis = await startRedisServer({ password: "health-redis-password" });
        try {
            const args = [
                "health",
                "--no-postgres",
                ...components,
                "--endpoint",
                `mcp-filesystem=${filesystem.url}`,
                "--endpoint",
                `mcp-memory=${filesystem.url}`,
                "--redis-url",
                `redis://127.0.0.1:${redis.port}`,
            ];
            const result = await runCli([...args, "--watch", "--interval", "0", "--count", "2"], {
                REDIS_PASSWORD: "health-redis-password",
            });
            const rounds = result.stdout.split("\n").filter((l) => l.startsWith("overall:"));
            expect(rounds).toHaveLength(2);
            expect(result.stdout).toMatch(/HEALTHY\s+redis\s+ping \d+ ms\s+role master/);

            const wrong = await runCli([...args, "--json"], { REDIS_PASSWORD: "wrong" });
            const report = JSON.parse(wrong.stdout);
            expect(report.redis.status).toBe("UNHEALTHY");
            expect(report.redis.reasons[0]).toContain("rejected the password");
            expect(report.status).toBe("UNHEALTHY");
            expect(wrong.code).toBe(2);
        } finally {
            await redis.stop();
        }
    });

    it("checks PostgreSQL with the password from the environment, never printing it", async () => {
        const postgres = await startPostgresServer({ password: "health-cli-pg-password", statements: false });
        try {
            const args = ["health", "--no-cluster", "--no-redis", ...components];
            const servers = ["--endpoint", `mcp-filesystem=${filesystem.url}`, "--endpoint", `mcp-memory=${filesystem.url}`];
            const url = ["--postgres-url", `postgres://postgres@127.0.0.1:${postgres.port}/postgres`];
            const result = await runCli([...args, ...servers, ...url], { PGPASSWORD: "health-cli-pg-password" });
            expect(result.stdout).toMatch(/HEALTHY\s+postgres\s+login \+ query \d+ ms\s+primary\s+connections \d+\/100/);
            expect(result.stdout + result.stderr).not.toContain("health-cli-pg-password");

            const refused = await runCli([...args, ...servers, ...url, "--json"], { PGPASSWORD: "wrong" });
            const report = JSON.parse(refused.stdout);
            expect(report.postgres.status).toBe("UNHEALTHY");
            expect(report.postgres.reasons[0]).toContain("rejected the password");
            expect(refused.code).toBe(2);
        } finally {
            await postgres.stop();
        }
    });

    it("refuses a --metrics-endpoint for a service the stack does not have", async () => {
        const result = await runCli(["health", "--no-cluster", "--metrics-endpoint", `billing=${component.url}`]);
        expect(result.code).toBe(64);
        expect(result.stderr).toContain('--metrics-endpoint names "billing", which is not a service of this stack');
    });

    it("rejects an endpoint for a service the stack does not have, with exit code 64", async () => {
        const result = await runCli(["health", "--no-cluster", "--endpoint", `billing=${filesystem.url}`]);
        expect(result.code).toBe(64);
        expect(result.stderr).toContain(
            'mcp-ops: --endpoint names "billing", which is not a service of this stack; use one of: gateway, router, mcp-filesystem, ' +
                "mcp-memory",
        );
    });
});

describe("mcp-ops redis revoke-sessions", () => {
    let server: RedisServer;
    beforeAll(async () => {
        server = await startRedisServer({ password: "cli-secret-password" });
    });
    afterAll(async () => server?.stop());

    it("previews, then deletes, reading the password from the environment and never printing it", async () => {
        const seed = server.client();
        await fillKeys(seed, "session:", 3_000);
        await fillKeys(seed, "cache:", 500);
        const env = { REDIS_PASSWORD: "cli-secret-password" };
        const url = `redis://127.0.0.1:${server.port}`;

        const preview = await runCli(["redis", "revoke-sessions", "--url", url, "--preview"], env);
        expect(preview.stdout.trim()).toBe('preview: 3000 keys match "session:*"; nothing was deleted');
        expect(await countKeys(seed, "session:*")).toBe(3_000);

        // Without a terminal to ask on and without --yes, nothing is deleted.
        const unconfirmed = await runCli(["redis", "revoke-sessions", "--url", url], env);
        expect(unconfirmed.code).toBe(65);
        expect(unconfirmed.stderr).toContain('not applying "delete 3000 keys matching "session:*"');
        expect(await countKeys(seed, "session:*")).toBe(3_000);

        const run = await runCli(["redis", "revoke-sessions", "--url", url, "--yes", "--json"], env);
        expect(JSON.parse(run.stdout)).toMatchObject({ deleted: 3_000, pattern: "session:*" });
        expect(await countKeys(seed, "*")).toBe(500);
        expect(run.stdout + run.stderr + preview.stdout + preview.stderr).not.toContain("cli-secret-password");
    });

    it("backs up to a file and passes a restore drill of it", async () => {
        const dir = mkdtempSync(join(tmpdir(), "mcp-cli-backup-"));
        try {
            const env = { REDIS_PASSWORD: "cli-secret-password" };
            const url = `redis://127.0.0.1:${server.port}`;
            await fillKeys(server.client(), "drill:", 2_000);
            const backup = await runCli(["redis", "backup", "--url", url, "--out", join(dir, "snap.rdb")], env);
            expect(backup.stdout).toMatch(/^wrote .*snap\.rdb \(\d+ bytes, sha256 [0-9a-f]{12}…, \d+ keys\)/);
            const again = await runCli(["redis", "backup", "--url", url, "--out", join(dir, "snap.rdb")], env);
            expect(again.code).toBe(64);
            expect(again.stderr).toContain("already exists; choose another --out or pass --force to replace it");

            const drill = await runCli(["redis", "restore", join(dir, "snap.rdb"), "--verify"]);
            expect(drill.code).toBe(0);
            expect(drill.stdout).toMatch(/^restore drill passed/);
            expect(drill.stdout).toMatch(/sampled values: (\d+)\/\1 match/);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("previews a cache policy with the stack's eviction settings, and reports stats", async () => {
        const env = { REDIS_PASSWORD: "cli-secret-password" };
        const url = `redis://127.0.0.1:${server.port}`;
        await fillKeys(server.client(), "preview-cache:", 100);
        const preview = await runCli(["redis", "cache-policy", "--url", url, "--preview", "--rule", "preview-cache:=300"], env);
        expect(preview.stdout).toContain('would set TTL 300s on 100 of 100 keys under "preview-cache:"');
        expect(preview.stdout).toContain("maxmemory-policy: noeviction -> allkeys-lru (preview)");
        const stats = await runCli(["redis", "stats", "--url", url, "--json"], env);
        expect(JSON.parse(stats.stdout).keys.db0).toBeGreaterThan(100);
    });

    it("speaks TLS with a private CA: stats, and a snapshot over the replication protocol", async () => {
        const dir = mkdtempSync(join(tmpdir(), "mcp-cli-tls-"));
        const issued = issueCertificate(dir);
        const cert = issued.caFile;
        const tls = await startRedisServer({ password: "tls-password", tls: issued });
        try {
            await fillKeys(tls.client(), "t:", 1_000);
            const env = { REDIS_PASSWORD: "tls-password" };
            const url = `rediss://127.0.0.1:${tls.port}`;
            const stats = await runCli(["redis", "stats", "--url", url, "--tls-ca", cert, "--json"], env);
            expect(JSON.parse(stats.stdout).keys).toEqual({ db0: 1_000 });
            const backup = await runCli(["redis", "backup", "--url", url, "--tls-ca", cert, "--out", join(dir, "tls.rdb"), "--json"], env);
            expect(JSON.parse(backup.stdout).keyspace).toEqual({ db0: 1_000 });
            const untrusted = await runCli(["redis", "stats", "--url", url], env);
            expect(untrusted.code).toBe(69);
            expect(untrusted.stderr).toMatch(/TLS with Redis at 127\.0\.0\.1:\d+ failed \(.+\); trust its CA with --tls-ca <file>/);
        } finally {
            await tls.stop();
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("fails with exit code 69 and no secret when the password is wrong", async () => {
        const result = await runCli(["redis", "revoke-sessions", "--url", `redis://127.0.0.1:${server.port}`], {
            REDIS_PASSWORD: "not-the-password",
        });
        expect(result.code).toBe(69);
        expect(result.stderr).toContain("rejected the password");
        expect(result.stderr).not.toContain("not-the-password");
    });
});

describe("mcp-ops itself", () => {
    it("refuses an unknown command, even with --help, naming the real ones", async () => {
        const result = await runCli(["rotat", "--help"]);
        expect(result.code).toBe(64);
        expect(result.stdout).toBe("");
        expect(result.stderr).toMatch(/^mcp-ops: unknown command "rotat"; the commands are: status, health, diagnose, scale, .*rotate.*/);
        expect(result.stderr).toMatch(/^[^\n]* \(mcp-ops --help describes them\)\n$/);
    });

    it("answers --version with the package's version, and --help with every command", async () => {
        const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
        expect(await runCli(["--version"])).toMatchObject({ code: 0, stdout: `${version}\n` });
        const help = await runCli(["--help"]);
        expect(help.code).toBe(0);
        for (const name of readdirSync(join(REPO_ROOT, "ops", "commands")).map((f) => f.replace(/\.ts$/, "")))
            expect(help.stdout).toContain(`\n  ${name} `);
    });

    it("prints a command's own help under its full name", async () => {
        const result = await runCli(["scale", "--help"]);
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/^Usage: mcp-ops scale \[options\] <service> \[replicas\]/);
        expect(result.stdout).toContain("--verify-timeout <s>");
    });
});

describe("mcp-ops rotate, before anything changes", () => {
    it("--status shows each secret's generation and that no rotation is under way", async () => {
        const result = await runCli(["rotate", "--status", "--stack", "local", "--json"]);
        expect(result.code, result.stderr).toBe(0);
        expect(JSON.parse(result.stdout)).toEqual(
            ["redis-password", "postgres-password", "gateway-jwt-signing-key"].map((secret) => ({
                secret,
                generation: 0,
                phase: "idle",
                accepted: [0],
                external: false,
            })),
        );
    });

    it("refuses a phase that is not the next one, and an unknown secret, naming what to run (exit 64)", async () => {
        const phase = await runCli(["rotate", "redis-password", "--phase", "retire", "--stack", "local", "--yes"]);
        expect(phase).toMatchObject({ code: 64, stdout: "" });
        expect(phase.stderr).toBe(
            "mcp-ops: redis-password's next phase is add; run --phase add (mcp-ops rotate --status shows each secret's)\n",
        );
        const unknown = await runCli(["rotate", "api-token", "--stack", "local", "--yes"]);
        expect(unknown.code).toBe(64);
        expect(unknown.stderr).toContain('unknown secret "api-token"; this stack has: redis-password, postgres-password');
    });
});

describe("mcp-ops without a Pulumi CLI", () => {
    it("refuses a change before anything changes, saying how to install or name one (exit 69)", async () => {
        const stackFile = readFileSync(join(REPO_ROOT, "Pulumi.local.yaml"), "utf8");
        // Node.js and the shell's tools stay reachable; no folder with a pulumi in it does.
        const path = [dirname(process.execPath), "/usr/bin", "/bin"].join(":");
        const result = await runCli(["scale", "router", "4", "--stack", "local", "--yes"], { PATH: path, MCP_PULUMI: "" });
        expect(result.code, result.stderr).toBe(69);
        expect(result.stderr).toContain("mcp-ops: no Pulumi CLI: `pulumi` is not on PATH. Install Pulumi v3.259.0 or newer");
        expect(readFileSync(join(REPO_ROOT, "Pulumi.local.yaml"), "utf8")).toBe(stackFile);
    });
});

describe("mcp-ops health --serve, the executable the prober's pod runs", () => {
    it("serves /metrics from its --targets file while it checks, and stops after --count rounds", async () => {
        const server = await startMcpServer({ tools: ["read_graph"] });
        const dir = mkdtempSync(join(tmpdir(), "mcp-serve-"));
        try {
            const targets = join(dir, "targets.json");
            const target = {
                name: "mcp-memory",
                restUrl: `${server.url}/health`,
                mcpUrl: `${server.url}/mcp`,
                expectedTools: ["read_graph"],
            };
            writeFileSync(
                targets,
                JSON.stringify({ servers: [target], intervalSeconds: 1, timeoutMs: 2000, slowMs: 2000, concurrency: 2 }),
            );
            const child = spawn(
                process.execPath,
                [join(REPO_ROOT, "ops", "mcp-ops.js"), "health", "--serve", "127.0.0.1:0", "--targets", targets, "--count", "2"],
                {
                    cwd: REPO_ROOT,
                },
            );
            let stderr = "";
            const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
            const firstRound = new Promise<string>((resolve) =>
                child.stderr.on("data", (chunk) => {
                    stderr += String(chunk);
                    const url = /metrics on (\S+)/.exec(stderr)?.[1];
                    if (url && / HEALTHY: mcp-memory HEALTHY/.test(stderr)) resolve(url);
                }),
            );
            const metrics = parsePromText(await (await fetch(await firstRound)).text());
            expect(valueOf(metrics, "mcp_server_up", { server: "mcp-memory", check: "mcp" })).toBe(1);
            expect(valueOf(metrics, "mcp_server_status", { server: "mcp-memory", status: "HEALTHY" })).toBe(1);
            expect(await exited).toBe(0);
            // A targets file written before the prober checked the gateway and router lists no components: none are checked.
            expect(stderr).toMatch(/checking 1 MCP server\(s\) and 0 other service\(s\); metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/);
        } finally {
            await server.stop();
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
