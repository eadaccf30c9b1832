import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
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
        ],
    },
});
