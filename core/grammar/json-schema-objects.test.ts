import { describe, expect, it } from "vitest";
import { expectValidOverSeeds, useDemoEngine } from "../engines/llamacpp/test-support.js";
import { noThinkPrompt } from "../prompt.js";
import { lowerJsonSchema } from "./json-schema.js";
import { alternatives, passes, rejection } from "./test-support.js";

describe("propertyNames: only names it accepts are generated", () => {
  it("leaves out optional names it refuses, and generates no other extra key", () => {
    const schema = {
      type: "object",
      properties: { ab: { type: "null" }, b: { type: "null" }, ac: { type: "null" } },
      propertyNames: { pattern: "^a" },
      additionalProperties: { type: "integer" },
    };
    expect(alternatives(lowerJsonSchema(schema))).toEqual(["ab,ac"]);
    // Without declared properties: no extra keys at all (a subset), not free-form ones.
    expect(lowerJsonSchema({ type: "object", propertyNames: { maxLength: 3 } })).toEqual({
      type: "object",
      properties: {},
    });
    // Keys of its own below minProperties are kept to the accepted ones.
    const fresh = lowerJsonSchema({ type: "object", propertyNames: { pattern: "[2-3]$" }, minProperties: 2 });
    expect(alternatives(fresh)).toEqual(["key2,key3"]);
    // A $ref to a definition is read as the validator reads it.
    const ref = {
      type: "object",
      properties: { north: {}, up: {} },
      propertyNames: { $ref: "#/definitions/direction" },
      definitions: { direction: { enum: ["north", "south"] } },
    };
    expect(alternatives(lowerJsonSchema(ref))).toEqual(["north"]);
  });

  it("has no value where a required name is refused; ignored in draft-04 as by the validator", () => {
    expect(
      rejection({ type: "object", properties: { b: {} }, required: ["b"], propertyNames: { pattern: "^a" } }),
    ).toMatch(/no value/);
    expect(rejection({ type: "object", propertyNames: { pattern: "^a" }, minProperties: 1 })).toMatch(
      /minProperties/,
    );
    const legacy = {
      $schema: "http://json-schema.org/draft-04/schema#",
      type: "object",
      properties: { b: {} },
      propertyNames: { pattern: "^a" },
    };
    expect(alternatives(lowerJsonSchema(legacy))).toEqual(["b"]);
  });
});

describe("patternProperties on a declared name", () => {
  it("applies both schemas: merged, or as an allOf read after its $refs are resolved", () => {
    const schema = {
      type: "object",
      properties: { ab: { $ref: "#/definitions/d" } },
      patternProperties: { "^a": { maxLength: 3 } },
      definitions: { d: { type: "string" } },
    };
    expect(lowerJsonSchema(schema)).toEqual({
      type: "object",
      properties: { ab: { type: "string", maxLength: 3 } },
    });
  });
});

describe("not: {patternProperties}: a key the pattern governs whose value fails its schema", () => {
  it("tries longer matches than the shortest where other keywords want them", () => {
    const schema = {
      type: "object",
      not: { patternProperties: { ab: { type: "string" } } },
      propertyNames: { pattern: "^...$" },
      maxProperties: 1,
    };
    const lowered = lowerJsonSchema(schema);
    expect(alternatives(lowered)).toContain("abx");
    expect(alternatives(lowered)).not.toContain("ab");
    expect(passes(schema, { abx: 1 })).toBe(true);
  });
});

describe("not: {propertyNames}: objects with a name it refuses", () => {
  it("requires a key the validator finds refused, taken from the complement of the names' schema", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ not: { const: "0" } }, "0"],
      [{ not: { pattern: "a1" } }, "a1"],
      [{ not: { enum: ["p", "q"] } }, "p"],
      [{ pattern: "^(\\w\\d)+$" }, ""],
    ];
    for (const [names, key] of cases) {
      const schema = { type: "object", not: { propertyNames: names }, maxProperties: 1 };
      const lowered = lowerJsonSchema(schema);
      expect(alternatives(lowered)).toContain(key);
      expect(passes(schema, { [key]: null }), key).toBe(true);
    }
    // Every name accepted (an empty schema): no object has a refused name.
    expect(rejection({ type: "object", not: { propertyNames: {} } })).toMatch(/`not`/);
  });
});

const demo = useDemoEngine();

describe("propertyNames on the real engine: every output passes the validator", () => {
  const schemas: Array<Record<string, unknown>> = [
    {
      type: "object",
      properties: { x1: { type: "integer" }, y: { type: "boolean" }, x2: { type: "null" } },
      propertyNames: { pattern: "^x" },
      additionalProperties: { type: "string", maxLength: 3 },
      minProperties: 2,
    },
    { type: "object", propertyNames: { enum: ["key1", "key3"] }, minProperties: 1 },
    {
      type: "object",
      not: {
        anyOf: [
          { propertyNames: { not: { enum: ["1", "3"] } } },
          { propertyNames: { not: { enum: ["2"] } } },
        ],
      },
      patternProperties: { "^[0-9]$": { type: "integer" } },
    },
  ];
  const prompt = noThinkPrompt([{ role: "user", content: "Reply with a JSON object." }]);
  for (const schema of schemas) {
    it(JSON.stringify(schema).slice(0, 100), { timeout: 60_000 }, async () => {
      await expectValidOverSeeds(demo.engine, schema, { prompt, maxTokens: 120, seeds: [1, 2, 3, 4, 5, 6] });
    });
  }
});
