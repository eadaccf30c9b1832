import { describe, expect, it } from "vitest";
import { median } from "../../bench/median";

describe("the benchmarks' median", () => {
    it("is the middle value of an odd count, whatever the order", () => {
        expect(median([9, 1, 5])).toBe(5);
        expect(median([4])).toBe(4);
    });

    it("is the mean of the two middle values of an even count, not the larger one", () => {
        expect(median([10, 2])).toBe(6);
        expect(median([1, 2, 3, 100])).toBe(2.5);
    });

    it("refuses no values instead of answering undefined", () => {
        expect(() => median([])).toThrow("the median of no values");
    });
});
