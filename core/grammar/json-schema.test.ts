import { describe, expect, it } from "vitest";
import { lowerJsonSchema } from "./json-schema.js";
import { rejection } from "./test-support.js";

describe("JSON Schema → lowered schema: rejected up front, naming the keyword", () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ type: "string", pattern: "a(?!b)" }, /lookaround/],
    [
      {
        type: "object",
        properties: { xa: { format: "email" } },
        patternProperties: { "^x": { format: "uri" } },
      },
      /cannot be merged/,
    ],
    [{ type: "number", multipleOf: 0.3, minimum: 0.1, maximum: 0.9 }, /`multipleOf` on a number/],
    [{ type: "integer", minimum: -4, maximum: -1, multipleOf: 5 }, /no integer can match/],
    [{ type: "number", multipleOf: 2.5, minimum: 0.1, maximum: 0.9 }, /`multipleOf`/],
    [
      { allOf: [{ type: "string", format: "email" }, { format: "uri" }] },
      /`allOf` whose subschemas cannot be merged/,
    ],
    [{ type: "string", not: { format: "date" } }, /`not`/],
    [{ type: "string", not: { type: "string" } }, /`not` .*which no value matches/],
    [{ type: "array", items: { type: "string" }, uniqueItems: true }, /`uniqueItems`/],
    [
      { $schema: "https://json-schema.org/draft/2020-12/schema", type: "array", maxContains: 2 },
      /`maxContains`/,
    ],
    [
      { type: "object", properties: { a: {} }, required: ["b"], additionalProperties: false },
      /`required` naming b, which `additionalProperties: false` forbids/,
    ],
    [
      {
        oneOf: [
          { type: "string", format: "date" },
          { type: "string", format: "time" },
        ],
      },
      /`oneOf` whose branches may overlap/,
    ],
    [
      { $ref: "#/definitions/a", definitions: { a: { type: "string", format: "email" } }, format: "uri" },
      /`\$ref` with sibling/,
    ],
    [{ $ref: "http://example.com/schema.json" }, /reference/],
    [
      { type: "object", additionalProperties: { type: "null" }, dependencies: { b: ["c"] } },
      /`dependencies` of b on c/,
    ],
  ];
  for (const [schema, message] of cases) {
    it(JSON.stringify(schema), () => {
      expect(rejection(schema)).toMatch(message);
    });
  }

  it("keeps a `not` only where what is generated provably fails it", () => {
    expect(lowerJsonSchema({ not: { type: "string" } })).toEqual({
      oneOf: [
        { type: "number" },
        { type: "boolean" },
        { type: "null" },
        { type: "object", properties: {} },
        { type: "array" },
      ],
    });
    expect(lowerJsonSchema({ type: "integer", not: { type: "string" } })).toEqual({ type: "integer" });
    expect(lowerJsonSchema({ type: "string", not: false })).toEqual({ type: "string" });
    expect(
      lowerJsonSchema({ type: "object", properties: { a: { type: "null" } }, not: { required: ["b"] } }),
    ).toEqual({ type: "object", properties: { a: { type: "null" } } });
  });

  it("enforces int32/int64 on numbers and ignores formats that do not apply or ajv does not define", () => {
    expect(lowerJsonSchema({ type: "number", format: "int64" })).toEqual({ type: "integer" });
    expect((lowerJsonSchema({ type: "integer", format: "int32" }) as { gbnf: string }).gbnf).toContain(
      '"2" "1" "4" "7" "4" "8" "3" "6" "4" [0-7]',
    );
    expect(lowerJsonSchema({ type: "string", format: "int32" })).toEqual({ type: "string" });
    expect(lowerJsonSchema({ type: "string", format: "idn-email" })).toEqual({ type: "string" });
    expect(lowerJsonSchema({ type: "number", format: "double" })).toEqual({ type: "number" });
    expect(lowerJsonSchema({ enum: [2 ** 31, 5, "x"], format: "int32" })).toEqual({ enum: [5, "x"] });
  });

  it("ignores number keywords on a string and string keywords on a number (they do not apply)", () => {
    expect(lowerJsonSchema({ type: "string", minimum: 3 })).toEqual({ type: "string" });
    expect(lowerJsonSchema({ type: "integer", maxLength: 3 })).toEqual({ type: "integer" });
  });
});

describe("JSON Schema → lowered schema: mapped exactly or to a subset whose outputs validate", () => {
  it("turns type lists into disjoint alternatives", () => {
    expect(lowerJsonSchema({ type: ["string", "null"], maxLength: 4 })).toEqual({
      oneOf: [{ type: "string", maxLength: 4 }, { type: "null" }],
    });
  });

  it("maps anyOf and disjoint oneOf to alternatives, and a single allOf to its subschema", () => {
    expect(lowerJsonSchema({ anyOf: [{ type: "string" }, { type: "boolean" }] })).toEqual({
      oneOf: [{ type: "string" }, { type: "boolean" }],
    });
    expect(lowerJsonSchema({ oneOf: [{ type: "integer" }, { enum: ["a"] }] })).toEqual({
      oneOf: [{ type: "integer" }, { enum: ["a"] }],
    });
    expect(lowerJsonSchema({ allOf: [{ type: "boolean" }] })).toEqual({ type: "boolean" });
  });

  it("writes a small integer range as an enum", () => {
    expect(lowerJsonSchema({ type: "integer", minimum: 1, maximum: 10, multipleOf: 3 })).toEqual({
      enum: [3, 6, 9],
    });
  });

  it("keeps only enum values of the declared type and length", () => {
    expect(lowerJsonSchema({ type: "string", enum: ["ab", "abcdef", null, 1], maxLength: 3 })).toEqual({
      enum: ["ab"],
    });
  });

  it("moves definitions to $defs and resolves recursive references", () => {
    const out = lowerJsonSchema({
      type: "object",
      properties: { node: { $ref: "#/definitions/node" } },
      definitions: {
        node: {
          type: "object",
          properties: { next: { anyOf: [{ $ref: "#/definitions/node" }, { type: "null" }] } },
        },
        unused: { type: "string", pattern: "x" },
      },
    }) as Record<string, unknown>;
    expect(out.properties).toEqual({ node: { $ref: "#/$defs/node" } });
    expect(Object.keys(out.$defs as object)).toEqual(["node"]);
  });

  it("reads `allOf: [X]` alone as X, so recursion through it ends in a reference", () => {
    const out = lowerJsonSchema({
      type: "array",
      items: { allOf: [{ $ref: "#/definitions/item" }] },
      definitions: {
        item: {
          type: "object",
          properties: { children: { type: "array", items: { allOf: [{ $ref: "#/definitions/item" }] } } },
          required: ["children"],
        },
      },
    }) as Record<string, unknown>;
    expect(out.items).toEqual({ $ref: "#/$defs/item" });
    expect(out.$defs).toMatchObject({
      item: { type: "object", properties: { children: { type: "array", items: { $ref: "#/$defs/item" } } } },
    });
  });

  it("turns draft-04 tuples into prefixItems and caps lengths llama.cpp cannot repeat", () => {
    expect(
      lowerJsonSchema({
        type: "array",
        items: [{ type: "string" }, { type: "null" }],
        additionalItems: false,
      }),
    ).toEqual({ type: "array", prefixItems: [{ type: "string" }, { type: "null" }], maxItems: 2 });
    expect(lowerJsonSchema({ type: "string", maxLength: 5000 })).toEqual({ type: "string", maxLength: 999 });
  });

  it("allows extra keys only where no property is declared (an extra key could repeat one)", () => {
    expect(
      lowerJsonSchema({ type: "object", properties: { a: { type: "null" } }, additionalProperties: true }),
    ).toEqual({ type: "object", properties: { a: { type: "null" } } });
    expect(lowerJsonSchema({ type: "object", additionalProperties: { type: "integer" } })).toEqual({
      type: "object",
      properties: {},
      additionalProperties: { type: "integer" },
    });
  });
});

describe("JSON Schema → lowered schema: number bounds and enum siblings", () => {
  const grammarOf = (schema: Record<string, unknown>) => {
    return (lowerJsonSchema(schema) as { gbnf: string }).gbnf;
  };

  it("writes bounded integers digit by digit, clamped to 15 digits", () => {
    expect(grammarOf({ type: "integer", minimum: 1, maximum: 200 })).toBe(
      '(([1-9]) | ([1-9] [0-9]{1}) | ("1" [0-9]{2}) | ("2" "0" "0"))',
    );
    expect(grammarOf({ type: "integer", exclusiveMinimum: -3, maximum: 0 })).toBe('(("0") | ("-" [1-2]))');
    expect(grammarOf({ type: "integer", minimum: 900 })).toContain("([1-9] [0-9]{14})");
    expect(rejection({ type: "integer", minimum: 2, maximum: 1 })).toMatch(
      /no integer of at most 15 digits can match/,
    );
  });

  it("writes bounded decimals as integers plus fractions whose whole unit interval fits", () => {
    expect(grammarOf({ type: "number", minimum: 0, maximum: 1 })).toBe('(([0-1]) | ("0" "." [0-9]{1,8}))');
    // Draft-04 boolean exclusive forms apply to minimum/maximum.
    expect(grammarOf({ type: "number", minimum: 0, exclusiveMinimum: true, maximum: 2 })).toBe(
      '(([1-2]) | ("1" "." [0-9]{1,8}))',
    );
    expect(rejection({ type: "number", minimum: 0.2, maximum: 0.7 })).toMatch(
      /no value with up to 8 decimals/,
    );
  });

  it("generates integers for a multipleOf 1/k where the validator's division is exact", () => {
    expect(grammarOf({ type: "number", multipleOf: 0.01, minimum: 0, maximum: 9 })).toBe("(([0-9]))");
    // 0.3 is not 1/k: refused where no integer of the bounds passes (else json-schema-number-grid.ts).
    expect(rejection({ type: "number", multipleOf: 0.3, minimum: 0.1, maximum: 0.9 })).toMatch(
      /`multipleOf` that is not an integer/,
    );
  });

  it("filters enum values by the sibling pattern and bounds that still apply to them", () => {
    expect(lowerJsonSchema({ type: "string", enum: ["ab", "b1", "cc"], pattern: "^[a-c]+$" })).toEqual({
      enum: ["ab", "cc"],
    });
    expect(lowerJsonSchema({ type: "integer", enum: [-1, 0, 3, 4], minimum: 0, multipleOf: 2 })).toEqual({
      enum: [0, 4],
    });
  });
});
