import { describe, expect, it } from "vitest";
import { noThinkPrompt } from "../prompt.js";
import { expectValidOverSeeds, useDemoEngine } from "../engines/llamacpp/test-support.js";
import { prepareConstraint } from "../constraints/index.js";
import { lowerJsonSchema } from "./json-schema.js";
import { alternatives } from "./test-support.js";
import { mergeSchemas } from "./json-schema-merge.js";

describe("allOf distributed over anyOf/oneOf", () => {
  it("merges past keywords that constrain nothing (`additionalProperties: true`, `items: {}`)", () => {
    expect(
      mergeSchemas(
        { properties: { a: { type: "string" } }, additionalProperties: true },
        { properties: { b: { type: "null" } }, additionalProperties: {} },
      ),
    ).toEqual({ properties: { a: { type: "string" }, b: { type: "null" } } });
    // `false` does constrain: still kept apart.
    expect(mergeSchemas({ additionalProperties: false }, { additionalProperties: {} })).toEqual({
      additionalProperties: false,
    });
  });

  it("distributes an allOf whose parts hold anyOfs that cannot be merged as they are", () => {
    const schema = {
      type: "object",
      allOf: [
        { anyOf: [{ required: ["a"] }, { required: ["b"] }] },
        { anyOf: [{ required: ["c"] }, { properties: { d: { type: "null" } } }] },
      ],
    };
    // Every combination of one branch of each anyOf.
    expect(alternatives(lowerJsonSchema(schema))).toEqual(["a,c", "a,d", "b,c", "b,d"]);
  });

  it("keeps a oneOf distributed exclusive, and refuses what still cannot be merged", () => {
    const schema = {
      type: "object",
      allOf: [
        { anyOf: [{ required: ["a"] }, { required: ["b"] }] },
        { oneOf: [{ required: ["a"] }, { required: ["c"] }] },
      ],
    };
    const json = JSON.stringify(lowerJsonSchema(schema));
    // With a, the oneOf's second branch must fail: c is never generated beside a.
    expect(json).toContain('"a"');
    expect(() =>
      lowerJsonSchema({ allOf: [{ items: [{}] }, { additionalItems: false, items: [{}, {}] }] }),
    ).toThrow(/allOf/);
  });
});

describe("a oneOf whose siblings cannot be merged into a branch", () => {
  it("keeps the branch as an allOf with the siblings, distributed", () => {
    const schema = {
      type: "object",
      anyOf: [{ required: ["a"] }, { required: ["b"] }],
      oneOf: [{ anyOf: [{ required: ["c"] }, { required: ["d"] }] }, { required: ["a", "e"] }],
    };
    const keys = alternatives(lowerJsonSchema(schema));
    expect(keys.length).toBeGreaterThan(1);
    // Each alternative's object (every value null) passes the whole schema.
    const { validate } = prepareConstraint({ json: schema })!;
    for (const names of keys) {
      const value = Object.fromEntries(names.split(",").map((n) => [n, null]));
      expect(() => validate(JSON.stringify(value)), names).not.toThrow();
    }
  });
});

const demo = useDemoEngine();

describe("distributed allOf on the real engine: every output passes the validator", () => {
  const schemas: Array<Record<string, unknown>> = [
    {
      type: "object",
      properties: { x: { type: "integer", minimum: 0, maximum: 9 }, y: { type: "boolean" } },
      allOf: [
        { anyOf: [{ required: ["x"] }, { required: ["y"] }] },
        { oneOf: [{ required: ["x"] }, { properties: { z: { const: 1 } }, required: ["z"] }] },
      ],
      additionalProperties: true,
    },
  ];
  const prompt = noThinkPrompt([{ role: "user", content: "Reply with JSON." }]);
  for (const schema of schemas) {
    it(JSON.stringify(schema).slice(0, 100), { timeout: 60_000 }, async () => {
      await expectValidOverSeeds(demo.engine, schema, { prompt, maxTokens: 120, seeds: [1, 2, 3, 4, 5, 6] });
    });
  }
});
