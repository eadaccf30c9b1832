import { describe, expect, it } from "vitest";
import { isLockCheckRace, retryLockCheckRace } from "../../ops/stack/lockCheckRace";

describe("the lock check's race", () => {
    it("is an empty lock being read, or one renamed away between listing and reading", () => {
        expect(isLockCheckRace("unexpected end of JSON input")).toBe(true);
        expect(
            isLockCheckRace(
                'blob (key ".pulumi/locks/organization/mcp-platform/local/5b1e.json.18a2f.tmp") (code=NotFound): ' +
                    "open …: no such file or directory",
            ),
        ).toBe(true);
        expect(isLockCheckRace("the stack is currently locked by 1 lock(s)")).toBe(false);
        expect(isLockCheckRace('blob (key ".pulumi/stacks/mcp-platform/local.json") (code=NotFound)')).toBe(false);
    });

    it("is tried again only before the engine's first event", async () => {
        let calls = 0;
        const lines: string[] = [];
        const value = await retryLockCheckRace(
            async () => {
                if (++calls < 3) throw new Error("unexpected end of JSON input");
                return "done";
            },
            (line) => lines.push(line),
        );
        expect([value, calls, lines.length]).toEqual(["done", 3, 2]);

        calls = 0;
        const afterEvent = retryLockCheckRace(async (sawEvent) => {
            calls++;
            sawEvent();
            throw new Error("unexpected end of JSON input");
        });
        await expect(afterEvent).rejects.toThrow("unexpected end of JSON input");
        expect(calls).toBe(1);

        calls = 0;
        await expect(retryLockCheckRace(async () => (calls++, Promise.reject(new Error("exit code 255"))))).rejects.toThrow(
            "exit code 255",
        );
        expect(calls).toBe(1);
    });
});
