import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";

describe("canonicalJson", () => {
  it("sorts keys at every level and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"e":2,"f":1}]},"b":1}',
    );
  });

  it("keeps __proto__, constructor and prototype as ordinary keys", () => {
    const parsed = JSON.parse('{"__proto__": {"type": "string"}, "constructor": 1, "prototype": 2}');
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"type":"string"},"constructor":1,"prototype":2}');
    expect(canonicalJson(parsed)).not.toBe(canonicalJson({}));
  });

  it("refuses a non-finite number instead of writing it as null", () => {
    expect(canonicalJson({ const: null })).toBe('{"const":null}');
    for (const bad of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]) {
      expect(() => canonicalJson({ const: bad })).toThrow(
        expect.objectContaining({ code: "invalid_request" }),
      );
    }
  });

  it("writes lone surrogates escaped, so they never collide with U+FFFD or each other", () => {
    const texts = ["\uD800", "\uDC00", "\uFFFD", "\uD83D\uDE00"].map((s) => canonicalJson([s]));
    expect(new Set(texts).size).toBe(4);
  });

  it("refuses absurd depth with invalid_request rather than a stack overflow", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(expect.objectContaining({ code: "invalid_request" }));
  });
});
