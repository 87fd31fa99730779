import { describe, expect, it } from "vitest";
import type { DeliberateError } from "../errors.js";
import { checkConstraintInput } from "./input-check.js";

const BOUNDS = { maxDepth: 32, maxNodes: 1000 };

function refusal(value: unknown): DeliberateError {
  try {
    checkConstraintInput(value, "structured_outputs.json", BOUNDS);
  } catch (err) {
    return err as DeliberateError;
  }
  throw new Error("expected a refusal");
}

describe("checkConstraintInput", () => {
  it("accepts ordinary values, including astral characters written as surrogate pairs", () => {
    expect(() =>
      checkConstraintInput({ enum: ["😀", 1.5, null, true], a: { b: [1] } }, "p", BOUNDS),
    ).not.toThrow();
  });

  it("refuses a value nested 5,000 deep quickly and without recursion", () => {
    let deep: unknown = {};
    for (let i = 0; i < 5000; i++) deep = { properties: { a: deep } };
    const started = performance.now();
    const err = refusal(deep);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(err.code).toBe("invalid_request");
    expect(err.message).toContain("nested deeper than 32");
  });

  it("refuses numbers that overflowed to Infinity, naming where", () => {
    const err = refusal(JSON.parse('{"properties": {"x": {"const": 1e999}}}'));
    expect(err.code).toBe("invalid_request");
    expect(err.param).toBe("structured_outputs.json");
    expect(err.message).toContain("/properties/x/const");
    expect(err.message).toContain("Infinity");
    expect(refusal([Number.NEGATIVE_INFINITY]).message).toContain("-Infinity");
  });

  it("refuses lone surrogates in values and in keys", () => {
    expect(refusal({ const: "a\uD800" }).message).toContain("lone UTF-16 surrogate");
    expect(refusal(["\uDC00b"]).message).toContain("lone UTF-16 surrogate");
    expect(refusal({ "k\uD83D": 1 }).message).toContain("key");
    expect(refusal("\uDE00\uD83D").code).toBe("invalid_request"); // reversed pair
  });

  it("bounds the number of values", () => {
    expect(refusal(Array.from({ length: 2000 }, () => 0)).message).toContain("more than 1000 values");
  });
});
