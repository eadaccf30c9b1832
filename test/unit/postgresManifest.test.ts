import { describe, expect, it } from "vitest";
import { dbnameArgument, requireClientFor } from "../../ops/postgres/clientTools";
import { parseAge } from "../../ops/postgres/idle";
import { compareDigests } from "../../ops/postgres/manifest";

describe("comparing a restore with its manifest", () => {
    const digest = (table: string, rows: number, sha256 = `sha-${table}-${rows}`) => ({ table, rows, sha256 });

    it("finds nothing when every table matches, in any order", () => {
        expect(compareDigests([digest("public.a", 3), digest("public.b", 0)], [digest("public.b", 0), digest("public.a", 3)])).toEqual([]);
    });

    it("names each table that is missing, extra, short of rows or different in content", () => {
        const expected = [digest("public.a", 3), digest("public.b", 5), digest("public.c", 7, "x")];
        const restored = [digest("public.b", 4), digest("public.c", 7, "y"), digest("public.d", 1)];
        expect(compareDigests(expected, restored)).toEqual([
            "public.a: in the backup, missing after the restore",
            "public.b: 5 rows in the backup, 4 restored",
            "public.c: same row count, different content (checksum differs)",
            "public.d: restored, but not in the backup",
        ]);
    });
});

describe("PostgreSQL command arguments", () => {
    it("gives pg_restore a database name as a quoted conninfo value, whatever it contains", () => {
        expect(dbnameArgument("mcp")).toBe("--dbname=dbname='mcp'");
        expect(dbnameArgument("host=evil dbname=x")).toBe("--dbname=dbname='host=evil dbname=x'");
        expect(dbnameArgument("it's\\here")).toBe("--dbname=dbname='it\\'s\\\\here'");
    });

    it("reads durations in milliseconds, seconds, minutes and hours, and nothing else", () => {
        expect([parseAge("500ms"), parseAge("3s"), parseAge("5m"), parseAge("1h")]).toEqual([0.5, 3, 300, 3600]);
        expect([parseAge("soon"), parseAge("5"), parseAge("-1s"), parseAge("1d")]).toEqual([undefined, undefined, undefined, undefined]);
    });
});

describe("client tools against a server's version", () => {
    it("accepts pg_dump as new as the server or newer, and names the package when it is older", () => {
        expect(() => requireClientFor("pg_dump", 15, 15)).not.toThrow();
        expect(() => requireClientFor("pg_dump", 15, 17)).not.toThrow();
        expect(() => requireClientFor("pg_dump", 16, 15)).toThrow(
            "the server runs PostgreSQL 16 and this machine's pg_dump is 15; install postgresql-client-16",
        );
        expect(() => requireClientFor("pg_restore", 17, 15)).toThrow(
            "the dump comes from PostgreSQL 17 and this machine's pg_restore is 15",
        );
    });
});
