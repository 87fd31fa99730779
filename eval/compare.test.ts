import { describe, expect, it } from "vitest";
import { atPath, matches } from "./compare.js";

describe("atPath", () => {
  const doc = { a: { b: [10, { "c d": 3 }] } };
  it.each([
    ["$", doc],
    ["$.a.b[0]", 10],
    ['$.a.b[1]["c d"]', 3],
    ["$.a.x", undefined],
    ["$.a.b[5]", undefined],
  ])("%s", (path, want) => expect(atPath(doc, path)).toEqual(want));
  it("refuses what it cannot read", () => expect(() => atPath(doc, "$..b")).toThrow(/unsupported/));
  it("does not read inherited names", () => expect(atPath({}, "$.constructor")).toBeUndefined());
});

describe("matches", () => {
  it("exact: deep equality whatever the key order", () => {
    expect(matches({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, { rule: "exact" })).toBe(true);
    expect(matches({ a: 1, b: [2, 1] }, { b: [1, 2], a: 1 }, { rule: "exact" })).toBe(false);
    expect(matches("Red", "red", { rule: "exact" })).toBe(false);
    expect(matches(" Red", "red", { rule: "exact", ignore_case: true })).toBe(true);
  });
  it("numeric: within the tolerance, at a path", () => {
    const rule = { rule: "numeric", path: "$.answer", tolerance: 0.01 } as const;
    expect(matches({ answer: 3.005 }, 3, rule)).toBe(true);
    expect(matches({ answer: 3.02 }, 3, rule)).toBe(false);
    expect(matches({ answer: "3" }, 3, rule)).toBe(true);
    expect(matches({ answer: null }, 0, rule)).toBe(false);
    expect(matches({}, 0, rule)).toBe(false);
  });
  it("set: the same members in any order, no more, no fewer", () => {
    expect(matches(["b", "a"], ["a", "b"], { rule: "set" })).toBe(true);
    expect(matches(["a"], ["a", "b"], { rule: "set" })).toBe(false);
    expect(matches(["a", "b", "c"], ["a", "b"], { rule: "set" })).toBe(false);
    expect(matches("a", ["a"], { rule: "set" })).toBe(false);
  });
});
