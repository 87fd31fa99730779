import type { Llama } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { GrammarCache } from "./grammars.js";

describe("GrammarCache", () => {
  it("keeps a refusal, so a schema refused after much work is not lowered again on every request", () => {
    // A refusal is decided by the translator before llama.cpp is asked for anything.
    const cache = new GrammarCache(undefined as unknown as Llama);
    const refused = { kind: "json", schema: { type: "string", pattern: "a(?!b)" } } as const;
    let first: unknown;
    try {
      cache.get(refused);
    } catch (err) {
      first = err;
    }
    expect(first).toMatchObject({ code: "schema_unsupported" });
    let second: unknown;
    try {
      cache.get({ kind: "json", schema: { type: "string", pattern: "a(?!b)" } });
    } catch (err) {
      second = err;
    }
    // The same error object: taken from the cache, not made again by a second translation.
    expect(second).toBe(first);
  });
});
