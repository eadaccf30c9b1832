import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { debianRootfs } from "../../images/rootfs";

/**
 * The cache of Debian root filesystems against a stand-in mmdebstrap on PATH: its simulation answers
 * with the libc6 version in $FAKE_LIBC, or fails as an unreachable mirror does when $FAKE_OFFLINE is
 * set; a real run writes the output file and counts itself in $FAKE_RUNS.
 */
const FAKE_MMDEBSTRAP = `#!/bin/sh
case "$*" in
  --version) echo "mmdebstrap 1.3.5" ;;
  *--simulate*)
    if [ -n "$FAKE_OFFLINE" ]; then echo "E: Failed to fetch trixie InRelease" >&2; exit 100; fi
    echo "Inst libc6 ($FAKE_LIBC Debian:13.8/stable [amd64])" >&2 ;;
  *) for last; do :; done; echo "root with libc6 $FAKE_LIBC" > "$last"; echo run >> "$FAKE_RUNS" ;;
esac
`;

describe("the cache of Debian root filesystems", () => {
    const work = mkdtempSync(join(tmpdir(), "mcp-rootfs-cache-"));
    const cacheDir = join(work, "cache");
    const saved = { PATH: process.env.PATH, FAKE_LIBC: process.env.FAKE_LIBC, FAKE_OFFLINE: process.env.FAKE_OFFLINE };
    const root = { suite: "trixie" as const, packages: ["ca-certificates"] };
    const lines: string[] = [];
    const make = (fresh = false) => debianRootfs(root, { cacheDir, fresh, log: (line) => lines.push(line) });
    const runs = () => readFileSync(join(work, "runs"), "utf8").split("\n").filter(Boolean).length;

    beforeAll(() => {
        writeFileSync(join(work, "mmdebstrap"), FAKE_MMDEBSTRAP);
        chmodSync(join(work, "mmdebstrap"), 0o755);
        writeFileSync(join(work, "runs"), "");
        process.env.PATH = `${work}:${process.env.PATH}`;
        process.env.FAKE_RUNS = join(work, "runs");
    });

    afterAll(() => {
        for (const [name, value] of Object.entries(saved)) {
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
        }
        delete process.env.FAKE_RUNS;
        rmSync(work, { recursive: true, force: true });
    });

    it("reuses a root while the mirror has the same packages, and makes it anew when a version moves", () => {
        process.env.FAKE_LIBC = "2.41-12+deb13u4";
        const first = make();
        expect(make()).toBe(first);
        expect(runs()).toBe(1);
        expect(lines.at(-1)).toMatch(/cached, 1 packages as the mirror has them now/);

        process.env.FAKE_LIBC = "2.41-12+deb13u5";
        const updated = make();
        expect(updated).not.toBe(first);
        expect(runs()).toBe(2);
        expect(readFileSync(updated, "utf8")).toContain("2.41-12+deb13u5");
        // The superseded root is gone: one root per recipe stays in the cache.
        expect(readdirSync(cacheDir)).toEqual([updated.slice(cacheDir.length + 1)]);
    });

    it("without the mirror, uses the newest cached root and says it may miss updates; refuses when there is none to use", () => {
        process.env.FAKE_OFFLINE = "1";
        try {
            const cached = readdirSync(cacheDir).map((name) => join(cacheDir, name));
            expect(make()).toBe(cached[0]);
            expect(lines.at(-1)).toMatch(/Failed to fetch trixie InRelease.*using the cached one made .*which may miss updates/);
            expect(() => make(true)).toThrow(
                /could not resolve trixie's packages \(E: Failed to fetch.*check that the Debian mirror is reachable/,
            );
            rmSync(cached[0]);
            expect(() => make()).toThrow(/check that the Debian mirror is reachable/);
            expect(runs()).toBe(2);
        } finally {
            delete process.env.FAKE_OFFLINE;
        }
    });
});
