// Lint rules: ESLint's and typescript-eslint's recommended sets, configured once.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["dist/**", "docs/**", "test/fixtures/**", ".local/**", ".pulumi-state/**"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // Modules are required where they are needed so commands load only what they use.
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
    {
        // Policies read the engine's untyped resource properties; tests and benchmarks poke at recorded data.
        files: ["test/**", "bench/**", "policy/**"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
    {
        files: ["**/*.js"],
        languageOptions: {
            sourceType: "commonjs",
            globals: { require: "readonly", process: "readonly", __dirname: "readonly", console: "readonly" },
        },
    },
);
