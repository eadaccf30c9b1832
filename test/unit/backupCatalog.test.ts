import { describe, expect, it } from "vitest";
import { catalogBackups, pickBackup } from "../../ops/backups/catalog";

const file = (name: string, modified: string, bytes = 10) => ({ name, bytes, modified });

describe("the backups the CronJobs keep", () => {
    const now = Date.parse("2026-12-02T12:00:00Z");

    it("are listed per store, newest first, with age and whether the manifest lies beside them", () => {
        const postgres = catalogBackups(
            "postgres",
            [
                file("mcp-20261201T023000Z.dump", "2026-12-01T02:31:00Z"),
                file("mcp-20261201T023000Z.dump.json", "2026-12-01T02:31:00Z"),
                file("mcp-20261202T023000Z.dump", "2026-12-02T02:31:00Z"),
                file("notes.txt", "2026-12-02T03:00:00Z"),
            ],
            now,
        );
        expect(postgres.map((b) => [b.name, b.ageSeconds, b.manifest])).toEqual([
            ["mcp-20261202T023000Z.dump", 34_140, "missing"],
            ["mcp-20261201T023000Z.dump", 120_540, "present"],
        ]);
        const redis = catalogBackups("redis", [file("redis-20261202T060000Z.rdb", "2026-12-02T06:00:05Z")], now);
        // The scheduled RDB has no manifest of its own: its CRC64 is what a drill checks.
        expect(redis).toMatchObject([{ store: "redis", manifest: "none" }]);
    });

    it("are picked by name or as the newest; an unknown name is refused with the names there are", () => {
        const kept = catalogBackups(
            "redis",
            [file("redis-a.rdb", "2026-12-01T00:00:00Z"), file("redis-b.rdb", "2026-12-02T00:00:00Z")],
            now,
        );
        expect(pickBackup("redis", kept, "newest").name).toBe("redis-b.rdb");
        expect(pickBackup("redis", kept, "redis-a.rdb").name).toBe("redis-a.rdb");
        expect(() => pickBackup("redis", kept, "redis-c.rdb")).toThrow(
            "no redis backup named redis-c.rdb; the newest are redis-b.rdb, redis-a.rdb (mcp-ops backup list redis lists them all)",
        );
        expect(() => pickBackup("postgres", [], "newest")).toThrow(
            "no postgres backup is kept yet; take one with mcp-ops backup now postgres",
        );
    });
});
