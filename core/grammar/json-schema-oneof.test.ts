import { describe, expect, it } from "vitest";
import type { GrammarError } from "./errors.js";
import { noThinkPrompt } from "../prompt.js";
import { lowerJsonSchema } from "./json-schema.js";
import { expectValidOverSeeds, useDemoEngine } from "../engines/llamacpp/test-support.js";

const overlapping = (schema: Record<string, unknown>) => {
  try {
    lowerJsonSchema(schema);
    return false;
  } catch (err) {
    expect((err as GrammarError).code).toBe("schema_unsupported");
    return /may overlap/.test((err as GrammarError).message);
  }
};

describe("oneOf branches kept apart, anyOf/oneOf siblings distributed", () => {
  it("accepts object branches whose generated objects fail each other", () => {
    const pets = {
      oneOf: [
        {
          type: "object",
          properties: { dog: { type: "string" } },
          additionalProperties: false,
          required: ["dog"],
        },
        {
          type: "object",
          properties: { cat: { type: "string" } },
          additionalProperties: false,
          required: ["cat"],
        },
      ],
    };
    expect(overlapping(pets)).toBe(false);
    expect(overlapping({ oneOf: [{ enum: ["a", "b"] }, { enum: ["c"] }] })).toBe(false);
  });

  it("generates only the branches whose values fail every other branch", () => {
    // {a} also passes the second branch, which requires nothing; {b} fails the first (no a).
    expect(
      lowerJsonSchema({
        oneOf: [
          { type: "object", properties: { a: { type: "string" } }, required: ["a"] },
          { type: "object", properties: { b: { type: "string" } } },
        ],
      }),
    ).toEqual({ oneOf: [{ type: "object", properties: { b: { type: "string" } } }] });
  });

  it("rejects branches whose generated values could match both", () => {
    expect(overlapping({ oneOf: [{ enum: ["a", "b"] }, { enum: ["b"] }] })).toBe(true);
    // A branch whose properties come from an allOf is not taken at its declared properties.
    expect(
      overlapping({
        oneOf: [
          { type: "object", allOf: [{ properties: { b: {} } }], required: [] },
          { type: "object", properties: { b: {} }, required: ["b"] },
        ],
      }),
    ).toBe(true);
    expect(overlapping({ oneOf: [{ enum: ["a"] }, { type: "string" }] })).toBe(true);
  });

  it("merges sibling keywords into every branch", () => {
    expect(
      lowerJsonSchema({ type: "string", anyOf: [{ enum: ["x", "yy"] }, { maxLength: 3 }], minLength: 2 }),
    ).toEqual({ oneOf: [{ enum: ["yy"] }, { type: "string", minLength: 2, maxLength: 3 }] });
  });
});

const demo = useDemoEngine();

describe("oneOf/anyOf on the real engine: every output passes the validator", () => {
  const schemas: Array<Record<string, unknown>> = [
    {
      type: "object",
      oneOf: [
        { properties: { login: { type: "string", maxLength: 6 } }, required: ["login"] },
        { properties: { password: { type: "string", maxLength: 6 } }, required: ["password"] },
      ],
    },
    {
      type: "object",
      properties: { kind: { type: "string" } },
      anyOf: [{ required: ["kind"] }, { properties: { n: { type: "integer", minimum: 0, maximum: 9 } } }],
    },
  ];
  const prompt = noThinkPrompt([{ role: "user", content: "Reply with JSON." }]);
  for (const schema of schemas) {
    it(JSON.stringify(schema).slice(0, 100), { timeout: 60_000 }, async () => {
      await expectValidOverSeeds(demo.engine, schema, {
        prompt,
        maxTokens: 120,
        seeds: [1, 2, 3, 4, 5, 6, 7, 8],
      });
    });
  }
});
