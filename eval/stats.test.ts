import { describe, expect, it } from "vitest";
import { mean, percentile, wilson } from "./stats.js";

describe("wilson", () => {
  it("matches the textbook values", () => {
    // 8 of 10: 0.4902–0.9433 (Wilson score interval, z = 1.96)
    const w = wilson(8, 10)!;
    expect(w.low).toBeCloseTo(0.4902, 4);
    expect(w.high).toBeCloseTo(0.9433, 4);
  });
  it("stays inside [0, 1] at the edges, and is null with no trials", () => {
    expect(wilson(0, 5)!.low).toBe(0);
    expect(wilson(5, 5)!.high).toBeCloseTo(1, 12);
    expect(wilson(0, 0)).toBeNull();
  });
});

describe("mean and percentile", () => {
  it("nearest rank", () => {
    expect(mean([1, 2, 3])).toBe(2);
    expect(percentile([5, 1, 4, 2, 3], 95)).toBe(5);
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(mean([])).toBeNull();
    expect(percentile([], 95)).toBeNull();
  });
});
