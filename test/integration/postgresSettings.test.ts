import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POSTGRES_BASE_SETTINGS, POSTGRES_SETTINGS, postgresServerArgs, postgresSettingValue } from "../../config/postgresSettings";
import { asServerUser, initCluster, serverBinDir, serverDirectory } from "../../ops/postgres/localServer";

/**
 * Every value `mcp:postgres.settings` accepts is one a real PostgreSQL server accepts: the
 * server's own parameter check (`postgres -C`) reads the same -c arguments the StatefulSet runs.
 */
describe("mcp:postgres.settings against a real PostgreSQL's parameter checks", () => {
    let dir: string;
    let data: string;
    /** What the server reports for `name` when started with `args`; throws with the server's message if it refuses them. */
    const reported = (name: string, args: string[]) => {
        const [file, ...rest] = asServerUser([join(serverBinDir(), "postgres"), "-D", data, "-C", name, ...args]);
        return execFileSync(file, rest, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    };

    beforeAll(() => {
        dir = serverDirectory("mcp-postgres-settings-");
        data = initCluster(dir, "unused");
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each(Object.keys(POSTGRES_SETTINGS))(
        "%s: the lowest and highest accepted values start the server, which reads them alike",
        (name) => {
            const { min, max } = POSTGRES_SETTINGS[name];
            for (const bound of [min, max]) {
                expect(Number(reported(name, postgresServerArgs({ [name]: bound })))).toBe(bound);
                expect(postgresSettingValue(name, bound)).toBe(bound);
            }
        },
    );

    it("loads pg_stat_statements, and the check refuses what PostgreSQL refuses", () => {
        expect(reported("shared_preload_libraries", postgresServerArgs({}))).toBe(POSTGRES_BASE_SETTINGS.shared_preload_libraries);
        // -C prints the value in the parameter's base unit, kB for work_mem.
        expect(reported("work_mem", postgresServerArgs({ work_mem: "16MB" }))).toBe("16384");
        expect(() => reported("work_mem", ["-c", "work_mem=1kB"])).toThrow(
            /invalid value for parameter "work_mem"|outside the valid range/,
        );
    });
});
