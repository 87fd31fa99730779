import { describe, expect, it } from "vitest";
import type { GrammarError } from "./errors.js";
import { noThinkPrompt } from "../prompt.js";
import { lowerJsonSchema } from "./json-schema.js";
import { alternatives, passes } from "./test-support.js";
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

  it("restricts a branch that may overlap to values that fail every other branch", () => {
    // {a} alone would also pass the second branch, which requires nothing: the first branch is
    // generated with a `b` that fails the second (not a string); {b} fails the first (no a).
    const notString = [{ type: "number" }, { type: "boolean" }, { type: "null" }];
    expect(
      lowerJsonSchema({
        oneOf: [
          { type: "object", properties: { a: { type: "string" } }, required: ["a"] },
          { type: "object", properties: { b: { type: "string" } } },
        ],
      }),
    ).toEqual({
      oneOf: [
        {
          type: "object",
          properties: {
            a: { type: "string" },
            b: { oneOf: [...notString, { type: "object", properties: {} }, { type: "array" }] },
          },
        },
        { type: "object", properties: { b: { type: "string" } } },
      ],
    });
    // Required-name branches: each generated without the names the others require.
    expect(
      lowerJsonSchema({
        type: "object",
        properties: { r: { type: "number" }, w: { type: "number" } },
        oneOf: [{ required: ["r"] }, { required: ["w"] }],
      }),
    ).toEqual({
      oneOf: [
        { type: "object", properties: { r: { type: "number" } } },
        { type: "object", properties: { w: { type: "number" } } },
      ],
    });
    // Overlapping literals: each value that matches exactly one branch (checked by the validator).
    expect(lowerJsonSchema({ oneOf: [{ enum: ["a", "b"] }, { enum: ["b", "c"] }] })).toEqual({
      enum: ["a", "c"],
    });
    // Overlapping strings: the first branch longer than the second allows, the second left out.
    expect(lowerJsonSchema({ oneOf: [{ type: "string" }, { type: "string", maxLength: 2 }] })).toEqual({
      type: "string",
      minLength: 3,
    });
  });

  it("keeps branches apart by a discriminating property, made required where it was optional", () => {
    const state = (v: string) => ({
      type: "object",
      properties: { state: { type: "string", enum: [v] }, note: { type: "string" } },
    });
    // Every branch is generated whole: `state` (required, so surely present) fails the others.
    const required = { oneOf: ["on", "off"].map((v) => ({ ...state(v), required: ["state"] })) };
    expect(lowerJsonSchema(required)).toEqual({
      oneOf: ["on", "off"].map((v) => ({
        type: "object",
        properties: { state: { enum: [v] }, note: { type: "string" } },
      })),
    });
    // Optional discriminator: pinned as required, so a branch whose `state` has no value is empty
    // (left out) instead of generating an object without it, which would match the other branch.
    const pinned = lowerJsonSchema({ oneOf: [state("on"), state("off")] });
    expect(alternatives(pinned)).toEqual(["note,state", "note,state"]);
    const empty = {
      oneOf: [
        { type: "object", properties: { state: { enum: ["on"], minLength: 5 } } },
        { type: "object", properties: { state: { enum: ["off"] } } },
      ],
    };
    // The first branch's objects are all `{}`, which also match the second: only the second is
    // left, restricted by the complement of the first (a `state` other than "on").
    expect(JSON.stringify(lowerJsonSchema(empty))).not.toContain('"on"');
    // A nested discriminator (the other branch's `config.align`) counts too.
    const align = (v: string) => ({
      type: "object",
      properties: {
        config: { type: "object", properties: { align: { enum: [v] } }, required: ["align"] },
      },
      required: ["config"],
    });
    expect(overlapping({ oneOf: [align("left"), align("right")] })).toBe(false);
  });

  it("tells an enum branch apart by the validator: none of its values passes the other branch", () => {
    // Draft-04 (no boolean subschemas: the complements' `false` are rewritten for the check), a
    // root `id` copied into every branch, a property named `$ref`: each value is still checked.
    const schema = {
      id: "https://example.com/type.json#",
      $schema: "http://json-schema.org/draft-04/schema#",
      type: "object",
      oneOf: [{ $ref: "#/definitions/ref" }, { $ref: "#/definitions/void" }, { $ref: "#/definitions/named" }],
      definitions: {
        ref: { required: ["$ref"], properties: { $ref: { type: "string" } }, additionalProperties: false },
        void: { enum: [{ type: "void" }] },
        named: {
          required: ["type"],
          properties: { type: { enum: ["a", "b"] } },
          additionalProperties: false,
        },
      },
    };
    const lowered = lowerJsonSchema(schema);
    expect(alternatives(lowered).sort()).toEqual(["", "$ref", "type"]);
    expect(JSON.stringify(lowered)).toContain("void");
    for (const value of [{ $ref: "x" }, { type: "void" }, { type: "a" }])
      expect(passes(schema, value)).toBe(true);
    // The void value also passes a branch that allows any string `type`: then it is not generated.
    const open = structuredClone(schema);
    open.definitions.named.properties.type = { type: "string" } as never;
    expect(JSON.stringify(lowerJsonSchema(open))).not.toContain("void");
    expect(passes(open, { type: "void" })).toBe(false);
  });

  it("rejects branches that cannot be told apart", () => {
    expect(
      overlapping({
        oneOf: [
          { type: "string", format: "date" },
          { type: "string", format: "time" },
        ],
      }),
    ).toBe(true);
    expect(overlapping({ oneOf: [{ type: "number" }, { type: "number", multipleOf: 2 }] })).toBe(true);
  });

  it("compares literals as the validator does (key order aside) and counts keys added for minProperties", () => {
    const sameObject = {
      type: "object",
      oneOf: [
        { properties: { k: { const: { x: 1, y: 2 } } }, required: ["k"] },
        { properties: { k: { const: { y: 2, x: 1 } } }, required: ["k"] },
      ],
    };
    expect(overlapping(sameObject)).toBe(true);
    // `minProperties` adds a key of its own (`key1`), which the other branch requires: not apart as written.
    const fresh = {
      oneOf: [
        { type: "object", minProperties: 1 },
        { type: "object", required: ["key1"] },
      ],
    };
    const out = lowerJsonSchema(fresh) as { properties: Record<string, unknown> };
    expect(Object.keys(out.properties)).not.toContain("key1");
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
    // Keys the object generator adds of its own (below minProperties) may meet another branch.
    {
      oneOf: [
        { type: "object", minProperties: 1 },
        { type: "object", required: ["key1"] },
      ],
    },
    {
      oneOf: [
        { type: "object", minProperties: 1, patternProperties: { "^a$": { type: "integer" } } },
        { type: "object", required: ["a"] },
      ],
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
