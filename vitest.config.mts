import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        // A Pulumi home of the run's own: the CLI's workspace files and logs go with it.
        globalSetup: ["test/pulumiHomeSetup.ts"],
        projects: [
            {
                test: {
                    name: "unit",
                    include: ["test/unit/**/*.test.ts"],
                    testTimeout: 30_000,
                },
            },
            {
                // Real servers (redis-server, MCP servers) on loopback; files run one at a time.
                test: {
                    name: "integration",
                    include: ["test/integration/**/*.test.ts"],
                    testTimeout: 120_000,
                    hookTimeout: 60_000,
                    fileParallelism: false,
                },
            },
            {
                // The real Pulumi engine and provider plugins on the local cluster: npm run test:e2e.
                // Not part of npm test; the tests in a file run in order and share one deployed stack.
                test: {
                    name: "e2e",
                    include: ["test/e2e/**/*.test.ts"],
                    globalSetup: ["test/e2e/requirements.ts"],
                    testTimeout: 600_000,
                    hookTimeout: 900_000,
                    fileParallelism: false,
                },
            },
        ],
    },
});
