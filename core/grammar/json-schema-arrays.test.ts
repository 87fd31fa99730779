import { describe, expect, it } from "vitest";
import { expectValidOverSeeds, useDemoEngine } from "../engines/llamacpp/test-support.js";
import { noThinkPrompt } from "../prompt.js";
import { lowerJsonSchema } from "./json-schema.js";
import { rejection } from "./test-support.js";

const D2019 = "https://json-schema.org/draft/2019-09/schema";

describe("contains: the first items generated as the item schema and the contained one", () => {
  it("puts minContains matches first (1 by default), after the tuple's own positions", () => {
    expect(lowerJsonSchema({ type: "array", items: { type: "string" }, contains: { maxLength: 2 } })).toEqual(
      {
        type: "array",
        prefixItems: [{ type: "string", maxLength: 2 }],
        items: { type: "string" },
        minItems: 1,
      },
    );
    const twice = { $schema: D2019, type: "array", contains: { type: "null" }, minContains: 2, minItems: 1 };
    expect(lowerJsonSchema(twice)).toMatchObject({
      prefixItems: [{ type: "null" }, { type: "null" }],
      minItems: 2,
    });
    // minContains 0: every array passes; draft-04 has no `contains` (the validator ignores it).
    expect(lowerJsonSchema({ ...twice, minContains: 0 })).not.toHaveProperty("prefixItems");
    const legacy = {
      $schema: "http://json-schema.org/draft-04/schema#",
      type: "array",
      contains: { type: "null" },
    };
    expect(lowerJsonSchema(legacy)).not.toHaveProperty("prefixItems");
    // A count past what is generated is refused before any matching item is built.
    expect(rejection({ ...twice, minContains: 10_000_000 })).toMatch(/`minContains` above 200/);
    // A tuple: its first position is the match.
    expect(
      lowerJsonSchema({
        type: "array",
        items: [{ type: "integer" }, { type: "null" }],
        contains: { minimum: 3 },
      }),
    ).toMatchObject({ prefixItems: [{ gbnf: expect.any(String) }, { type: "null" }] });
  });

  it("refuses what it cannot keep: no room for the match, no match possible, maxContains", () => {
    expect(rejection({ type: "array", contains: { type: "null" }, maxItems: 0 })).toMatch(/no value/);
    expect(rejection({ type: "array", items: { type: "string" }, contains: { type: "null" } })).toMatch(
      /no value/,
    );
    expect(rejection({ $schema: D2019, type: "array", contains: {}, maxContains: 1 })).toMatch(/maxContains/);
  });
});

const demo = useDemoEngine();

describe("contains on the real engine: every output passes the validator", () => {
  const schemas: Array<Record<string, unknown>> = [
    { type: "array", items: { type: "integer" }, contains: { minimum: 5, maximum: 9 }, maxItems: 3 },
    { type: "array", contains: { type: "array", contains: { const: 42 } }, items: { type: "array" } },
    { $schema: D2019, type: "array", contains: { enum: ["x", "y"] }, minContains: 2, maxItems: 4 },
  ];
  const prompt = noThinkPrompt([{ role: "user", content: "Reply with a JSON array." }]);
  for (const schema of schemas) {
    it(JSON.stringify(schema).slice(0, 100), { timeout: 60_000 }, async () => {
      await expectValidOverSeeds(demo.engine, schema, { prompt, maxTokens: 120, seeds: [1, 2, 3, 4, 5, 6] });
    });
  }
});
