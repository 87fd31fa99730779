import { describe, expect, it } from "vitest";
import { cacheKey, isDeterministic, ResultCache } from "./cache.js";
import { CompletionRequest, type CompletionResult } from "./protocol.js";
import { generateKey } from "./seal.js";

const parse = (input: unknown) => CompletionRequest.parse(input);

function result(text: string): CompletionResult {
  return {
    output: text,
    text,
    valid: true,
    validation: { kind: "none", checked: false },
    draft: null,
    effort: "none",
    steps: [],
    usage: { prompt_tokens: 1, completion_tokens: 1, thinking_tokens: 0, cached_tokens: 0, total_tokens: 2 },
    model: "m",
    job_id: "job_1",
    cached: false,
  };
}

const keyOfInfinity = () =>
  cacheKey(
    parse({ prompt: "hi", seed: 1, structured_outputs: { json: JSON.parse('{"const": 1e999}') } }),
    "m",
  );

describe("cache key", () => {
  it("ignores key order, defaults and stream, but not include_thinking or the model", () => {
    const a = parse({ prompt: "hi", temperature: 0, thinking_effort: "low" });
    const b = parse({ temperature: 0, stream: true, prompt: "hi" });
    expect(cacheKey(a, "m")).toBe(cacheKey(b, "m"));
    expect(cacheKey(a, "m")).not.toBe(cacheKey(a, "other-model"));
    const c = parse({ prompt: "hi", temperature: 0, include_thinking: true });
    expect(cacheKey(c, "m")).not.toBe(cacheKey(a, "m"));
    const d = parse({ prompt: "hi", temperature: 0, structured_outputs: { choice: ["a", "b"] } });
    const e = parse({ prompt: "hi", temperature: 0, structured_outputs: { choice: ["b", "a"] } });
    expect(cacheKey(d, "m")).not.toBe(cacheKey(e, "m"));
  });

  it("keys a prompt as the one user message it stands for, and nothing more", () => {
    const prompt = parse({ prompt: "hi", temperature: 0 });
    const messages = parse({ messages: [{ role: "user", content: "hi" }], temperature: 0 });
    expect(cacheKey(prompt, "m")).toBe(cacheKey(messages, "m"));
    const withSystem = parse({
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
      ],
      temperature: 0,
    });
    expect(cacheKey(withSystem, "m")).not.toBe(cacheKey(prompt, "m"));
    expect(cacheKey(parse({ prompt: "hi!", temperature: 0 }), "m")).not.toBe(cacheKey(prompt, "m"));
  });

  it("distinguishes every distinct constraint, __proto__ and lone surrogates included", () => {
    const keyOf = (so: unknown, prompt = "hi") =>
      cacheKey(parse({ prompt, temperature: 0, structured_outputs: so }), "m");
    const keys = [
      keyOf({ json: {} }),
      keyOf({ json: { properties: {} } }),
      keyOf({ json: JSON.parse('{"properties": {"__proto__": {"type": "string"}}}') }),
      keyOf({ json: { const: null } }),
      keyOf({ json: { const: "null" } }),
      keyOf({ regex: "a" }),
      keyOf({ choice: ["a"] }),
      keyOf({ choice: ["\uFFFD"] }),
      keyOf({ json: {} }, "\uD800"),
      keyOf({ json: {} }, "\uFFFD"),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(keyOf({ json: { b: 1, a: 2 } })).toBe(keyOf({ json: { a: 2, b: 1 } }));
  });

  it("refuses a non-finite number with invalid_request rather than keying it as null", () => {
    expect(() => keyOfInfinity()).toThrow(expect.objectContaining({ code: "invalid_request" }));
  });

  it("treats only temperature 0 or a seed as deterministic", () => {
    expect(isDeterministic(parse({ prompt: "x", temperature: 0 }))).toBe(true);
    expect(isDeterministic(parse({ prompt: "x", seed: 7 }))).toBe(true);
    expect(isDeterministic(parse({ prompt: "x" }))).toBe(false);
    expect(isDeterministic(parse({ prompt: "x", temperature: 0.2 }))).toBe(false);
  });
});

describe("ResultCache", () => {
  it("expires entries after the TTL", () => {
    let now = 1000;
    const cache = new ResultCache({ key: generateKey(), ttlMs: 50, maxEntries: 10, now: () => now });
    cache.set("k", result("a"));
    expect(cache.get("k")?.text).toBe("a");
    now += 50;
    expect(cache.get("k")?.text).toBe("a");
    now += 1;
    expect(cache.get("k")).toBeUndefined();
  });

  it("evicts the least recently used beyond the bound", () => {
    const cache = new ResultCache({ key: generateKey(), ttlMs: 10_000, maxEntries: 2 });
    cache.set("a", result("a"));
    cache.set("b", result("b"));
    cache.get("a");
    cache.set("c", result("c"));
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")?.text).toBe("a");
    expect(cache.get("c")?.text).toBe("c");
    expect(cache.size).toBe(2);
  });

  it("stores nothing when maxEntries is 0", () => {
    const cache = new ResultCache({ key: generateKey(), ttlMs: 10_000, maxEntries: 0 });
    cache.set("a", result("a"));
    expect(cache.get("a")).toBeUndefined();
    expect(cache.enabled).toBe(false);
  });
});
