import { describe, expect, it } from "vitest";
import { noThinkPrompt } from "../prompt.js";
import { lowerJsonSchema } from "./json-schema.js";
import { conjoinPatterns } from "./string-pattern-text.js";
import { mergeSchemas } from "./json-schema-merge.js";
import { expectValidOverSeeds, useDemoEngine } from "../engines/llamacpp/test-support.js";

/** A `then` keyword, built so that no object literal reads as a thenable. */
const THEN = (schema: Record<string, unknown>): Record<string, unknown> =>
  JSON.parse(`{"then": ${JSON.stringify(schema)}}`);

describe("allOf merges: exact conjunctions only", () => {
  it("merges independent keywords, required lists, tighter bounds and shared properties", () => {
    expect(mergeSchemas({ type: "string", minLength: 2 }, { maxLength: 5, minLength: 3 })).toEqual({
      type: "string",
      minLength: 3,
      maxLength: 5,
    });
    expect(
      mergeSchemas(
        { properties: { a: { type: "string" } }, required: ["a"] },
        { properties: { a: { maxLength: 2 }, b: { type: "null" } }, required: ["b"] },
      ),
    ).toEqual({
      properties: { a: { type: "string", maxLength: 2 }, b: { type: "null" } },
      required: ["a", "b"],
    });
    expect(mergeSchemas({ items: { type: "object" } }, { items: { required: [] }, minItems: 1 })).toEqual({
      items: { type: "object", required: [] },
      minItems: 1,
    });
    expect(mergeSchemas({ type: "string", description: "x" }, { description: "y" })).toEqual({
      type: "string",
      description: "x",
    });
  });

  it("merges types, enums, bounds, integer steps, negations and names the other side declares", () => {
    expect(mergeSchemas({ type: ["string", "integer"] }, { type: "number" })).toEqual({ type: "integer" });
    expect(mergeSchemas({ type: "string" }, { type: "number" })).toBe(false);
    expect(mergeSchemas({ enum: [1, 2, "x"] }, { const: 2 })).toEqual({ enum: [2] });
    expect(mergeSchemas({ enum: [1] }, { enum: [2] })).toBe(false);
    expect(mergeSchemas({ minimum: 1, maximum: 9 }, { minimum: 3, maximum: 12 })).toEqual({
      minimum: 3,
      maximum: 9,
    });
    // Draft-04's boolean exclusive bounds change what minimum means: not merged.
    expect(mergeSchemas({ minimum: 1, exclusiveMinimum: true }, { minimum: 3 })).toBeUndefined();
    expect(mergeSchemas({ multipleOf: 4 }, { multipleOf: 6 })).toEqual({ multipleOf: 12 });
    expect(mergeSchemas({ not: { type: "null" } }, { not: { maxLength: 2 } })).toEqual({
      not: { anyOf: [{ type: "null" }, { maxLength: 2 }] },
    });
    const closed = { properties: { a: {}, b: {} }, additionalProperties: false };
    expect(mergeSchemas(closed, { properties: { a: { enum: [1] } }, required: ["a"] })).toEqual({
      properties: { a: { enum: [1] }, b: {} },
      additionalProperties: false,
      required: ["a"],
    });
    // A name the closed side does not declare is declared there with what it applies to it (false).
    expect(mergeSchemas(closed, { properties: { c: {} } })).toEqual({
      properties: { a: {}, b: {}, c: false },
      additionalProperties: false,
    });
    expect(mergeSchemas(closed, { properties: { c: false } })).toEqual({
      properties: { a: {}, b: {}, c: false },
      additionalProperties: false,
    });
  });

  it("merges object keywords from both sides, each side declaring the other's names", () => {
    expect(mergeSchemas({ properties: { a: {} } }, { additionalProperties: false })).toEqual({
      properties: { a: false },
      additionalProperties: false,
    });
    // Both extra-key schemas apply to a key neither declares; a declared one meets the other's.
    expect(
      mergeSchemas(
        { properties: { a: { type: "string" } }, additionalProperties: { type: ["string", "null"] } },
        { properties: { b: { type: "null" } }, additionalProperties: { type: "null" } },
      ),
    ).toEqual({
      properties: { a: false, b: { type: "null" } },
      additionalProperties: { type: "null" },
    });
    // Patterns of both sides (without additionalProperties) apply together; a declared name a
    // pattern of the other side governs is declared there without a schema (the pattern applies).
    expect(
      mergeSchemas(
        { patternProperties: { "^x": { type: "integer" } } },
        { properties: { x1: { minimum: 0 } }, patternProperties: { "^x": { maximum: 9 }, "^y": {} } },
      ),
    ).toEqual({
      properties: { x1: { minimum: 0 } },
      patternProperties: { "^x": { type: "integer", maximum: 9 }, "^y": {} },
    });
    // Keywords the validator ignores do not block a merge: the first side's is kept.
    expect(mergeSchemas({ "@type": "Thing", type: "object" }, { "@type": "Place" })).toEqual({
      "@type": "Thing",
      type: "object",
    });
  });

  it("refuses keywords that read each other across the two sides, and differing values", () => {
    // A pattern beside the other side's additionalProperties: a key matching it needs both.
    expect(
      mergeSchemas({ patternProperties: { "^x": {} } }, { additionalProperties: { type: "null" } }),
    ).toBeUndefined();
    expect(mergeSchemas({ unevaluatedProperties: false }, { properties: { a: {} } })).toBeUndefined();
    expect(mergeSchemas({ items: [{}] }, { additionalItems: false })).toBeUndefined();
    expect(mergeSchemas({ format: "email" }, { format: "uri" })).toBeUndefined();
    expect(mergeSchemas({ $ref: "#/definitions/a" }, { type: "string" })).toBeUndefined();
  });

  it("merges two patterns into one pattern of lookaheads (string-automata.ts)", () => {
    const merged = mergeSchemas({ pattern: "^a" }, { pattern: "b$" }) as { pattern: string };
    expect(merged).toEqual({ pattern: conjoinPatterns(["^a", "b$"]) });
    const regex = new RegExp(merged.pattern, "u");
    expect(["ab", "axb"].map((s) => regex.test(s))).toEqual([true, true]);
    expect(["ba", "a", "b"].map((s) => regex.test(s))).toEqual([false, false, false]);
  });

  it("applies to allOf, $ref with siblings, patternProperties on declared names and dependencies", () => {
    expect(lowerJsonSchema({ allOf: [{ type: "string" }, { maxLength: 3 }] })).toEqual({
      type: "string",
      maxLength: 3,
    });
    expect(
      lowerJsonSchema({ $ref: "#/definitions/a", definitions: { a: { type: "array" } }, maxItems: 1 }),
    ).toEqual({ type: "array", maxItems: 1 });
    expect(
      lowerJsonSchema({
        type: "object",
        properties: { comment1: {}, title: { type: "string" } },
        patternProperties: { "^comment[1-9]$": { type: "boolean" } },
        additionalProperties: false,
      }),
    ).toEqual({ type: "object", properties: { comment1: { type: "boolean" }, title: { type: "string" } } });
    // A required name without a schema takes the one the validator applies to it.
    expect(
      lowerJsonSchema({
        type: "object",
        properties: { a: { type: "null" } },
        patternProperties: { "^n": { type: "integer" } },
        additionalProperties: { type: "boolean" },
        required: ["a", "n1", "b"],
      }),
    ).toEqual({
      type: "object",
      properties: { a: { type: "null" }, n1: { type: "integer" }, b: { type: "boolean" } },
    });
    // if/then/else: values satisfying `if` and `then`, or failing `if` (here: a longer kind) and
    // satisfying `else`.
    expect(
      lowerJsonSchema({
        type: "object",
        properties: { kind: { type: "string" } },
        if: { properties: { kind: { const: "a" } } },
        ...THEN({ required: ["kind"] }),
        else: { required: ["other"] },
      }),
    ).toEqual({
      oneOf: [
        { type: "object", properties: { kind: { enum: ["a"] } } },
        {
          type: "object",
          properties: {
            kind: { type: "string", minLength: 2 },
            other: { oneOf: [{ type: "string" }, { type: "number" }, { type: "boolean" }, { type: "null" }] },
          },
        },
      ],
    });
    // Below minProperties, a shortest match of a pattern is declared under that pattern's schema.
    expect(
      lowerJsonSchema({
        type: "object",
        minProperties: 1,
        patternProperties: { "^iglu:": { type: "array" } },
      }),
    ).toEqual({ type: "object", properties: { "iglu:": { type: "array" } } });
    // Only patterns: no extra key is generated, since it could have to match one.
    expect(lowerJsonSchema({ type: "object", patternProperties: { ".*": { type: "number" } } })).toEqual({
      type: "object",
      properties: {},
    });
    expect(
      lowerJsonSchema({
        type: "object",
        properties: { a: { type: "null" }, b: { type: "null" } },
        dependencies: { a: ["b"], c: ["d"] },
      }),
    ).toEqual({ type: "object", properties: { a: { type: "null" }, b: { type: "null" } } });
  });
});

const demo = useDemoEngine();

describe("merged schemas on the real engine: every output passes the validator", () => {
  const schemas: Array<Record<string, unknown>> = [
    {
      type: "object",
      allOf: [
        { properties: { kind: { enum: ["a", "b"] }, n: { type: "integer", minimum: 3, maximum: 9 } } },
        { properties: { kind: { type: "string" } }, required: ["kind", "n"] },
      ],
    },
    {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: { ids: { $ref: "#/$defs/list", maxItems: 1 } },
      required: ["ids"],
      $defs: { list: { type: "array", items: { type: "string", pattern: "^[a-f0-9]{4}$" } } },
    },
    {
      type: "object",
      properties: { comment1: { type: "string", maxLength: 8 }, n: { type: "boolean" } },
      patternProperties: { "^comment[1-9]$": { pattern: "^[a-z ]*$" } },
      additionalProperties: false,
      dependencies: { comment1: ["n"] },
    },
    {
      type: "object",
      properties: { _schema: { type: "string", maxLength: 4 } },
      required: ["schema", "n1"],
      patternProperties: { "^n[0-9]$": { type: "integer", minimum: 0, maximum: 99 } },
      additionalProperties: true,
    },
    {
      type: "object",
      minProperties: 2,
      properties: { a: { type: "boolean" } },
      patternProperties: { "^id-[0-9]{2}$": { type: "integer", minimum: 5, maximum: 9 } },
      additionalProperties: false,
    },
    {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "array",
      maxItems: 2,
      items: {
        properties: {
          type: { type: "string", maxLength: 8 },
          options: {
            type: "array",
            maxItems: 2,
            items: { properties: { title: { type: "string", maxLength: 5 } } },
          },
        },
        if: { properties: { type: { const: "action" } } },
        ...THEN({
          anyOf: [
            { required: ["title"] },
            {
              required: ["options"],
              properties: { options: { minItems: 1, items: { required: ["title"] } } },
            },
          ],
          required: ["category"],
        }),
      },
    },
  ];
  const prompt = noThinkPrompt([{ role: "user", content: "Reply with JSON." }]);
  for (const schema of schemas) {
    it(JSON.stringify(schema).slice(0, 100), { timeout: 60_000 }, async () => {
      await expectValidOverSeeds(demo.engine, schema, { prompt, maxTokens: 200, seeds: [1, 2, 3, 4, 5, 6] });
    });
  }
});
