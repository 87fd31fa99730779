/** JSON Schema validation: draft selection, formats, leniency, caching and error messages. */
import { describe, expect, it } from "vitest";
import type { DeliberateError } from "../errors.js";
import { prepareConstraint } from "./index.js";
import { canonicalJson } from "./canonical-json.js";
import { compiledSchemas, compileSchema } from "./json-schema.js";
import { ajvFor, draftOf } from "./ajv-drafts.js";

const D04 = "http://json-schema.org/draft-04/schema#";
const D06 = "http://json-schema.org/draft-06/schema#";
const D07 = "http://json-schema.org/draft-07/schema#";
const D2019 = "https://json-schema.org/draft/2019-09/schema";
const D2020 = "https://json-schema.org/draft/2020-12/schema";

// Written as JSON: an object literal with a `then` key looks like a thenable to the linter.
const IF_STRING_THEN_MIN3 = JSON.parse('{"if": {"type": "string"}, "then": {"minLength": 3}}') as Record<
  string,
  unknown
>;

/** True when the schema accepts the value, false on constraint_violation. */
function accepts(schema: Record<string, unknown>, value: unknown): boolean {
  const prepared = prepareConstraint({ json: schema })!;
  try {
    prepared.validate(JSON.stringify(value));
    return true;
  } catch (err) {
    expect((err as DeliberateError).code).toBe("constraint_violation");
    return false;
  }
}

function violation(schema: Record<string, unknown>, text: string): DeliberateError {
  try {
    prepareConstraint({ json: schema })!.validate(text);
  } catch (err) {
    return err as DeliberateError;
  }
  throw new Error(`expected ${text} to be refused`);
}

describe("draft selection by $schema", () => {
  it("reads the draft from $schema whatever the scheme, trailing # or case; none means draft-07", () => {
    expect(draftOf(undefined)).toBe("draft-07");
    expect(draftOf(D04)).toBe("draft-04");
    expect(draftOf("https://json-schema.org/draft-04/schema")).toBe("draft-04");
    expect(draftOf(D06)).toBe("draft-06");
    expect(draftOf("HTTP://JSON-SCHEMA.ORG/DRAFT-07/SCHEMA#")).toBe("draft-07");
    expect(draftOf(`${D2019}#`)).toBe("2019-09");
    expect(draftOf(D2020)).toBe("2020-12");
    expect(draftOf("http://json-schema.org/draft-03/schema#")).toBeUndefined();
    expect(draftOf("https://example.com/my-meta")).toBeUndefined();
  });

  it("draft-04: boolean exclusiveMaximum, and no const / if", () => {
    const schema = { $schema: D04, type: "number", maximum: 5, exclusiveMaximum: true };
    expect(accepts(schema, 4.9)).toBe(true);
    expect(accepts(schema, 5)).toBe(false);
    // const and if/then are not draft-04 keywords: unknown keywords are ignored
    expect(accepts({ $schema: D04, const: 1 }, 2)).toBe(true);
    expect(accepts({ $schema: D04, ...IF_STRING_THEN_MIN3 }, "a")).toBe(true);
  });

  it("draft-06: numeric exclusiveMaximum and const, but no if/then", () => {
    expect(accepts({ $schema: D06, type: "number", exclusiveMaximum: 5 }, 5)).toBe(false);
    expect(accepts({ $schema: D06, const: 1 }, 2)).toBe(false);
    expect(accepts({ $schema: D06, ...IF_STRING_THEN_MIN3 }, "a")).toBe(true);
  });

  it("draft-07 (also the default): if/then applies", () => {
    for (const extra of [{ $schema: D07 }, {}]) {
      const schema = { ...extra, ...IF_STRING_THEN_MIN3 };
      expect(accepts(schema, "a")).toBe(false);
      expect(accepts(schema, "abc")).toBe(true);
    }
  });

  it("up to draft-07 keywords beside $ref are ignored; from 2019-09 they apply", () => {
    const body = {
      definitions: { s: { type: "string" } },
      $defs: { s: { type: "string" } },
      type: "object",
      properties: { a: { $ref: "#/definitions/s", maxLength: 2 } },
    };
    expect(accepts({ $schema: D07, ...body }, { a: "long" })).toBe(true);
    expect(accepts({ $schema: D2019, ...body }, { a: "long" })).toBe(false);
  });

  it("2019-09: dependentRequired and unevaluatedProperties", () => {
    const schema = {
      $schema: D2019,
      type: "object",
      properties: { a: {}, b: {} },
      dependentRequired: { a: ["b"] },
      unevaluatedProperties: false,
    };
    expect(accepts(schema, { a: 1, b: 2 })).toBe(true);
    expect(accepts(schema, { a: 1 })).toBe(false);
    expect(accepts(schema, { b: 1, c: 2 })).toBe(false);
  });

  it("2020-12: prefixItems (which draft-07 does not know)", () => {
    const schema = { type: "array", prefixItems: [{ type: "integer" }], items: false };
    expect(accepts({ $schema: D2020, ...schema }, [1])).toBe(true);
    expect(accepts({ $schema: D2020, ...schema }, ["x"])).toBe(false);
    expect(accepts({ $schema: D2020, ...schema }, [1, 2])).toBe(false);
    // In draft-07 `items: false` forbids every item and prefixItems means nothing.
    expect(accepts(schema, [1])).toBe(false);
    expect(accepts(schema, [])).toBe(true);
  });

  it("accepts the https spelling of a draft-07 $schema, which Ajv does not know by that URI", () => {
    expect(accepts({ $schema: "https://json-schema.org/draft-07/schema", type: "integer" }, 3)).toBe(true);
  });

  it("does not modify the caller's schema", () => {
    const schema = { $schema: "https://json-schema.org/draft-07/schema", type: "integer" };
    prepareConstraint({ json: schema });
    expect(schema.$schema).toBe("https://json-schema.org/draft-07/schema");
  });
});

describe("formats, leniency and patterns", () => {
  it("checks formats", () => {
    expect(accepts({ type: "string", format: "email" }, "a@example.com")).toBe(true);
    expect(accepts({ type: "string", format: "email" }, "not an email")).toBe(false);
    expect(accepts({ type: "string", format: "date-time" }, "2024-02-30T10:00:00Z")).toBe(false);
    expect(accepts({ type: "string", format: "date-time" }, "2024-02-29T10:00:00Z")).toBe(true);
    expect(accepts({ $schema: D04, type: "string", format: "uri" }, "https://example.com/x")).toBe(true);
    expect(accepts({ $schema: D04, type: "string", format: "uri" }, "no scheme")).toBe(false);
  });

  it("ignores unknown keywords and unknown formats (strict mode off)", () => {
    expect(accepts({ type: "string", format: "flavour", "x-vendor": { a: 1 } }, "vanilla")).toBe(true);
  });

  it("reads draft-04's `id` as an annotation from draft-06 on, and as the schema id in draft-04", () => {
    const schema = { type: "object", properties: { _id: { id: "id", type: "string" } }, required: ["_id"] };
    expect(accepts(schema, { _id: "x" })).toBe(true);
    expect(accepts(schema, { _id: 1 })).toBe(false);
    expect(accepts({ $schema: D04, id: "http://example.com/s", type: "string" }, "a")).toBe(true);
  });

  it("compiles patterns in Unicode mode", () => {
    expect(accepts({ type: "string", pattern: "^\\p{Lu}\\p{Ll}+$" }, "Émile")).toBe(true);
    expect(accepts({ type: "string", pattern: "^\\p{Lu}\\p{Ll}+$" }, "émile")).toBe(false);
    // one astral character is one "." in Unicode mode (two UTF-16 units otherwise)
    expect(accepts({ type: "string", pattern: "^.$" }, "😀")).toBe(true);
  });

  it("falls back to legacy mode for patterns written for Python's re (escaped _ is an error with u)", () => {
    const pattern = "^[a-z\\_]+$";
    expect(() => new RegExp(pattern, "u")).toThrow();
    expect(accepts({ type: "string", pattern }, "snake_case")).toBe(true);
    expect(accepts({ type: "string", pattern }, "Snake")).toBe(false);
  });

  it("compiles two schemas that reuse one $id differently (requests never share Ajv state)", () => {
    const a = { $id: "https://example.com/thing", type: "string" };
    const b = { $id: "https://example.com/thing", type: "integer" };
    expect(accepts(a, "x")).toBe(true);
    expect(accepts(b, 1)).toBe(true);
    expect(accepts(b, "x")).toBe(false);
  });

  it("compiles a schema whose $id is a meta-schema's URI without that id, unless a $ref names it", () => {
    const schema = {
      $schema: D07,
      $id: D07,
      required: ["foo"],
      properties: { foo: { not: { type: "number" } } },
    };
    expect(accepts(schema, { foo: "x" })).toBe(true);
    expect(accepts(schema, { foo: 1 })).toBe(false);
    expect(accepts({ $schema: D06, $id: D06, type: "integer" }, 1)).toBe(true);
    const named = { $schema: D07, $id: D07, properties: { a: { $ref: `${D07}/definitions/x` } } };
    expect(() => prepareConstraint({ json: named })).toThrow(/already exists/);
  });

  it("compiles a schema whose subschemas repeat one id when it has no $ref (ids then serve nothing)", () => {
    const schema = {
      $schema: D04,
      type: "object",
      properties: {
        a: { id: "/items", type: "array", items: { id: "/items", type: "integer" } },
        b: { id: "/items", type: "string" },
      },
    };
    expect(accepts(schema, { a: [1], b: "x" })).toBe(true);
    expect(accepts(schema, { a: ["x"] })).toBe(false);
    const referenced = { ...schema, properties: { ...schema.properties, c: { $ref: "#/properties/b" } } };
    expect(() => prepareConstraint({ json: referenced })).toThrow(/more than one schema/);
  });

  it("resolves local $refs, including recursive ones", () => {
    const tree = {
      type: "object",
      properties: { value: { type: "integer" }, children: { type: "array", items: { $ref: "#" } } },
      required: ["value"],
    };
    expect(accepts(tree, { value: 1, children: [{ value: 2, children: [{ value: 3 }] }] })).toBe(true);
    expect(accepts(tree, { value: 1, children: [{ value: 2, children: [{}] }] })).toBe(false);
  });
});

describe("answers and error messages", () => {
  const person = {
    type: "object",
    properties: { name: { type: "string" }, age: { type: "integer" }, tags: { type: "array" } },
    required: ["name"],
    additionalProperties: false,
  };

  it("returns the parsed JSON as the output", () => {
    const out = prepareConstraint({ json: person })!.validate(' {"name": "Ada", "age": 36}\n');
    expect(out).toEqual({ output: { name: "Ada", age: 36 }, checked: true });
  });

  it("names the first failing path and Ajv's message", () => {
    const err = violation(person, '{"name": "Ada", "age": 36.5}');
    expect(err.code).toBe("constraint_violation");
    expect(err.status).toBe(502);
    expect(err.step).toBe("final");
    expect(err.message).toContain("/age must be integer");
  });

  it("names an unexpected property, and a missing one at the root", () => {
    expect(violation(person, '{"name": "Ada", "extra": 1}').message).toContain('("extra")');
    expect(violation(person, "{}").message).toContain("the answer must have required property 'name'");
  });

  it("refuses text that is not JSON, and a truncated document", () => {
    expect(violation(person, "Ada, 36").message).toContain("not valid JSON");
    expect(violation(person, '{"name": "Ada"').message).toContain("not valid JSON");
  });
});

describe("compiled schema cache", () => {
  it("keys by canonical text: key order does not matter", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: 2 } })).toBe(
      '{"a":{"c":2,"d":[3,{"e":2,"f":1}]},"b":1}',
    );
    const first = compileSchema({ type: "object", required: ["zz"], properties: { zz: {} } });
    const second = compileSchema({ properties: { zz: {} }, required: ["zz"], type: "object" });
    expect(second).toBe(first);
  });

  it("caches a failed compile, but hands out a fresh error each time", () => {
    const bad = { $ref: "#/nowhere/cached" };
    const errors = [0, 1].map(() => {
      try {
        compileSchema(bad);
      } catch (err) {
        return err as DeliberateError;
      }
      throw new Error("expected schema_unsupported");
    });
    expect(errors[0]!.code).toBe("schema_unsupported");
    expect(errors[1]).not.toBe(errors[0]);
    expect(errors[1]!.message).toBe(errors[0]!.message);
  });

  it("stays within its capacity", () => {
    for (let i = 0; i < compiledSchemas.max + 20; i++) compileSchema({ type: "string", maxLength: i });
    expect(compiledSchemas.size).toBe(compiledSchemas.max);
  });
});

describe("shared Ajv state", () => {
  it("compiles schemas whose nested $ids collide with an earlier request's", () => {
    const nested = (type: string) => ({
      type: "object",
      properties: { a: { $id: "https://example.com/nested", type } },
    });
    expect(accepts(nested("string"), { a: "x" })).toBe(true);
    expect(accepts(nested("integer"), { a: 1 })).toBe(true);
    expect(accepts(nested("integer"), { a: "x" })).toBe(false);
  });

  it("leaves no $id of a compiled schema registered in the shared instance", () => {
    const id = "https://example.com/leak-check";
    prepareConstraint({ json: { $id: `${id}/root`, properties: { a: { $id: `${id}/nested` } } } });
    const registered = [...Object.keys(ajvFor("draft-07").refs), ...Object.keys(ajvFor("draft-07").schemas)];
    expect(registered.filter((key) => key.startsWith(id))).toEqual([]);
  });

  it("does not let one request's schema answer another's $ref", () => {
    expect(accepts({ $id: "https://example.com/defs", definitions: { n: { type: "integer" } } }, 1)).toBe(
      true,
    );
    expect(() => prepareConstraint({ json: { $ref: "https://example.com/defs#/definitions/n" } })).toThrow(
      /cannot be used/,
    );
  });
});

describe("warm-up", () => {
  it("creates every draft's instance, which then validates", async () => {
    const { warmUpValidators } = await import("./index.js");
    warmUpValidators();
    for (const draft of ["draft-04", "draft-06", "draft-07", "2019-09", "2020-12"] as const) {
      expect(ajvFor(draft).validate({ type: "integer" }, 3)).toBe(true);
      expect(ajvFor(draft).validate({ type: "integer" }, "3")).toBe(false);
    }
  });
});
