/**
 * The subset constructions of README.md ("Subsets, stated plainly"): each lowered schema checked
 * for its exact shape, and its values checked with the validator where they are finite.
 */
import { describe, expect, it } from "vitest";
import { lowerJsonSchema } from "./json-schema.js";
import { complementOf } from "./json-schema-not.js";
import { passes } from "./test-support.js";

const SCALARS = { oneOf: [{ type: "string" }, { type: "number" }, { type: "boolean" }, { type: "null" }] };

describe("subset constructions", () => {
  it("`not: {required}` leaves the named property out", () => {
    expect(
      lowerJsonSchema({
        type: "object",
        properties: { a: { type: "null" }, b: { type: "null" } },
        not: { required: ["b"] },
      }),
    ).toEqual({ type: "object", properties: { a: { type: "null" } } });
  });

  it("keeps the enum values the validator accepts against the whole schema", () => {
    const schema = { enum: ["a", "bb", 3, null], not: { anyOf: [{ type: "null" }, { maxLength: 1 }] } };
    const lowered = lowerJsonSchema(schema) as { enum: unknown[] };
    // 3 passes `maxLength` (which applies to strings only), so it fails the `not`.
    expect(lowered).toEqual({ enum: ["bb"] });
    for (const v of lowered.enum) expect(passes(schema, v)).toBe(true);
    for (const v of ["a", 3, null]) expect(passes(schema, v)).toBe(false);
  });

  it("leaves out an optional property no value matches, and refuses a required one", () => {
    expect(
      lowerJsonSchema({
        type: "object",
        properties: { a: { type: "null" }, b: { type: "object", enum: ["x"] } },
      }),
    ).toEqual({ type: "object", properties: { a: { type: "null" } } });
    expect(() => lowerJsonSchema({ type: "object", properties: { b: false }, required: ["b"] })).toThrow(
      /no value matches/,
    );
  });

  it("declares keys of its own below minProperties, under additionalProperties", () => {
    expect(
      lowerJsonSchema({ type: "object", minProperties: 2, properties: { key1: { type: "null" } } }),
    ).toEqual({ type: "object", properties: { key1: { type: "null" }, key2: SCALARS } });
    expect(
      lowerJsonSchema({ type: "object", minProperties: 1, additionalProperties: { type: "integer" } }),
    ).toEqual({ type: "object", properties: { key1: { type: "integer" } } });
  });

  it("resolves a `$ref` to any local JSON pointer (bases moved by nested ids: json-schema-refs.test.ts)", () => {
    const schema = { type: "object", properties: { a: { type: "integer" }, b: { $ref: "#/properties/a" } } };
    expect(lowerJsonSchema(schema)).toEqual({
      type: "object",
      properties: { a: { type: "integer" }, b: { $ref: "#/$defs/#/properties/a" } },
      $defs: { "#/properties/a": { type: "integer" } },
    });
    const moved = { ...schema, properties: { ...schema.properties, a: { $id: "x", type: "integer" } } };
    // The $id moves the base of what is under `a`, not of the reference beside it.
    expect(lowerJsonSchema(moved)).toMatchObject({ $defs: { "#/properties/a": { type: "integer" } } });
  });

  it("reads if/then/else as nothing in drafts without them", () => {
    const schema = JSON.parse(
      '{"$schema": "http://json-schema.org/draft-06/schema#", "type": "string", "if": {"maxLength": 2}, "then": {"minLength": 9}}',
    ) as Record<string, unknown>;
    expect(lowerJsonSchema(schema)).toEqual({ type: "string" });
  });

  it("checks an enum at the root against the whole root, whatever its references point to", () => {
    // `#/allOf/1/not/not` is no definition: only the root compiled whole can read it.
    const schema = {
      allOf: [
        { enum: [{ foo: false }, { bar: 1 }] },
        { not: { not: { additionalProperties: false, properties: { foo: { $ref: "#/allOf/1/not/not" } } } } },
      ],
    };
    expect(lowerJsonSchema(schema)).toEqual({ enum: [{ foo: false }] });
    expect(passes(schema, { foo: false })).toBe(true);
    expect(passes(schema, { bar: 1 })).toBe(false);
  });

  it("complements: every schema listed refuses the negated schema's values", () => {
    const ctx = { draft: "draft-07" as const, resolve: (s: unknown) => s as never, budget: { left: 100 } };
    const negated = {
      type: ["string", "integer"],
      minLength: 2,
      maximum: 5,
      required: ["a"],
      enum: ["ab", 1, 2],
    };
    const witnesses: Record<string, unknown> = {
      string: "q",
      number: 7,
      array: [],
      boolean: true,
      null: null,
      object: {},
    };
    const alternatives = complementOf(negated, ctx, "");
    expect(alternatives.length).toBeGreaterThan(3);
    // A value of each alternative (where one of the witnesses fits it) fails the negated schema.
    let checked = 0;
    for (const alt of alternatives) {
      for (const value of Object.values(witnesses)) {
        if (!passes({ ...(alt as object) }, value)) continue;
        checked++;
        expect(passes(negated, value), `${JSON.stringify(alt)} ${JSON.stringify(value)}`).toBe(false);
      }
    }
    expect(checked).toBeGreaterThan(3);
  });

  it("below `maxProperties`, leaves optional properties out, the last declared first", () => {
    const schema = {
      type: "object",
      properties: { a: { type: "null" }, b: { type: "null" }, c: { type: "null" } },
      required: ["c"],
      maxProperties: 2,
    };
    expect(lowerJsonSchema(schema)).toEqual({
      type: "object",
      properties: { a: { type: "null" }, c: { type: "null" } },
    });
    expect(passes(schema, { a: null, c: null })).toBe(true);
    expect(() => lowerJsonSchema({ ...schema, required: ["a", "b", "c"] })).toThrow(/maxProperties/);
    // A oneOf branch whose optional property may be left out is not taken to carry it: the
    // second branch forbids `b`, so the first is restricted (a key the second forbids) rather than
    // kept whole, which would generate `{a}`, a value of both.
    const oneOf = {
      oneOf: [
        { type: "object", properties: { a: { type: "null" }, b: { type: "null" } }, maxProperties: 1 },
        { type: "object", properties: { a: { type: "null" } }, additionalProperties: false },
      ],
    };
    expect(lowerJsonSchema(oneOf)).toEqual({
      type: "object",
      properties: { x: { type: ["string", "number", "boolean", "null"] } },
    });
    expect(passes(oneOf, { x: 1 })).toBe(true);
    expect(passes(oneOf, { a: null })).toBe(false);
  });

  it("`not` of every type has no value: an optional property under it is left out", () => {
    const never = { not: { type: ["array", "boolean", "integer", "number", "null", "object", "string"] } };
    const schema = { type: "object", properties: { a: { type: "null" }, b: never } };
    expect(lowerJsonSchema(schema)).toEqual({ type: "object", properties: { a: { type: "null" } } });
    expect(() => lowerJsonSchema({ ...schema, required: ["b"] })).toThrow(/no value/);
  });
});
