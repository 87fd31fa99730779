import { describe, expect, it } from "vitest";
import { REGEX_BOUNDS, regexBoundsProblem } from "./regex-bounds.js";

function nestedOptional(levels: number): string {
  let p = "x?";
  for (let i = 0; i < levels; i++) p = `(${p}){2}`;
  return p;
}

describe("regexBoundsProblem", () => {
  it("accepts ordinary patterns, counted repeats included", () => {
    for (const p of [
      "\\d{3}-\\d{4}",
      "[a-z]{1,255}",
      "^(([0-9]|[a-f]){2}){0,32}$",
      "^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]{0,61}[a-zA-Z0-9])\\.){0,30}$",
      "(?P<year>\\d{4})-(?:\\d{2})",
      "a{,5}[{}]",
      "a".repeat(4096),
    ]) {
      expect(regexBoundsProblem(p), p).toBeUndefined();
    }
  });

  it("refuses nested counted repeats whose written-out size multiplies past the budget, in milliseconds", () => {
    const p = nestedOptional(14);
    expect(p.length).toBeLessThan(80);
    const started = performance.now();
    expect(regexBoundsProblem(p)?.problem).toContain(`exceed ${REGEX_BOUNDS.maxExpansion}`);
    expect(performance.now() - started).toBeLessThan(100);
    expect(regexBoundsProblem("((a{100}){100}){100}")).toBeDefined();
    expect(regexBoundsProblem("a{1000000}")).toBeDefined();
    expect(regexBoundsProblem("(a|b|c|d){2000}")).toBeDefined();
  });

  it("refuses deep group nesting without recursion", () => {
    const p = `${"(".repeat(20_000)}a${")".repeat(20_000)}`;
    expect(regexBoundsProblem(p)?.problem).toContain("nested deeper than 32");
    expect(regexBoundsProblem(`${"(".repeat(32)}a${")".repeat(32)}`)).toBeUndefined();
  });

  it("does not take escaped or bracketed parentheses for groups", () => {
    expect(regexBoundsProblem(`${"\\(".repeat(100)}[(((((]`)).toBeUndefined();
  });
});
