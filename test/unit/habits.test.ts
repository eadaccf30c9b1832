import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/platform";

/** The repository's own source files (recorded data such as engine event logs is not source). */
const sources = execFileSync("git", ["ls-files", "*.ts", "*.mts", "*.js", "*.sh", "*.json", "*.yaml", "*.yml"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
})
    .split("\n")
    .filter((file) => file && !file.startsWith("test/fixtures/") && existsSync(join(REPO_ROOT, file)));

describe("source habits", () => {
    it("has no line over 140 characters", () => {
        const long = sources.flatMap((file) =>
            readFileSync(join(REPO_ROOT, file), "utf8")
                .split("\n")
                .flatMap((line, i) => (line.length > 140 ? [`${file}:${i + 1} (${line.length})`] : [])),
        );
        expect(long).toEqual([]);
    });

    it("has no comment pointing at a document the repository does not have", () => {
        // A Markdown path, or "<NAME> principle 2" (a numbered rule of a document of that name), in a comment.
        const reference = /(?:(?<!:)\/\/|\*|#).*?(?:\b((?:[\w.-]+\/)*[\w.-]+\.md)\b|\b([A-Z]{3,}) principle \d)/g;
        const missing = sources.flatMap((file) =>
            [...readFileSync(join(REPO_ROOT, file), "utf8").matchAll(reference)]
                .map((m) => m[1] ?? `${m[2]}.md`)
                .filter((doc) => !existsSync(join(REPO_ROOT, doc)) && !existsSync(join(REPO_ROOT, "docs", doc)))
                .map((doc) => `${file}: ${doc}`),
        );
        expect(missing).toEqual([]);
    });

    it("lists in tsconfig.json only files and folders that exist", () => {
        const config = JSON.parse(readFileSync(join(REPO_ROOT, "tsconfig.json"), "utf8")) as { include: string[] };
        const missing = config.include.map((entry) => entry.split("/*")[0]).filter((path) => !existsSync(join(REPO_ROOT, path)));
        expect(missing).toEqual([]);
    });
});
