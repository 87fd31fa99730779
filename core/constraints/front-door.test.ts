/** The constraint front door (prepareConstraint) against hostile and careless constraints. */
import { describe, expect, it } from "vitest";
import type { DeliberateError } from "../errors.js";
import { prepareConstraint } from "./index.js";
import { VIOLATION_OUTPUT_CHARS } from "./violation.js";

function refusal(so: Record<string, unknown>): DeliberateError {
  const started = performance.now();
  try {
    prepareConstraint(so);
  } catch (err) {
    // Generous: every refusal here is a bounded scan, far below this.
    expect(performance.now() - started).toBeLessThan(1000);
    return err as DeliberateError;
  }
  throw new Error(`expected a refusal of ${JSON.stringify(so).slice(0, 80)}`);
}

function violation(so: Record<string, unknown>, answer: string): DeliberateError {
  try {
    prepareConstraint(so)!.validate(answer);
  } catch (err) {
    return err as DeliberateError;
  }
  throw new Error("expected constraint_violation");
}

describe("front door: refused as invalid_request before anything is hashed", () => {
  it("a number that overflows to Infinity; null stays an ordinary constraint", () => {
    const err = refusal({ json: JSON.parse('{"const": 1e999}') });
    expect(err.code).toBe("invalid_request");
    expect(err.message).toContain("Infinity");
    const nullable = prepareConstraint({ json: { enum: [null] } })!;
    expect(nullable.validate("null").output).toBeNull();
  });

  it("lone surrogates in a choice, a regex, a const or a grammar", () => {
    for (const so of [
      { choice: ["ok", "\uD800"] },
      { regex: "a\uDC00" },
      { json: { const: "x\uD83D" } },
      { json: { properties: { "\uDFFF": { type: "string" } } } },
      { grammar: 'root ::= "\uD800"' },
    ]) {
      const err = refusal(so);
      expect(err.code, JSON.stringify(so)).toBe("invalid_request");
      expect(err.message).toContain("surrogate");
    }
    expect(prepareConstraint({ choice: ["😀"] })!.validate("😀").output).toBe("😀");
  });

  it("a schema nested 5,000 deep", () => {
    let deep: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 5000; i++) deep = { type: "object", properties: { a: deep } };
    expect(refusal({ json: deep })).toMatchObject({
      code: "invalid_request",
      param: "structured_outputs.json",
    });
  });
});

describe("front door: bounds, refused as schema_unsupported in milliseconds", () => {
  it("a regex whose nested counted repeats explode", () => {
    let p = "x?";
    for (let i = 0; i < 14; i++) p = `(${p}){2}`;
    expect(refusal({ regex: p })).toMatchObject({
      code: "schema_unsupported",
      param: "structured_outputs.regex",
    });
  });

  it("the same inside a schema's pattern and patternProperties", () => {
    const p = "((a{50}){50}){50}";
    expect(refusal({ json: { type: "string", pattern: p } }).message).toContain("/pattern");
    expect(refusal({ json: { patternProperties: { [p]: {} } } }).code).toBe("schema_unsupported");
    // Data that merely looks like a pattern is data.
    expect(prepareConstraint({ json: { const: { pattern: p } } })).toBeDefined();
  });

  it("chained $defs whose anyOf branches $ref the previous level", () => {
    const defs: Record<string, unknown> = { l0: { anyOf: [{ type: "string" }, { type: "number" }] } };
    for (let i = 1; i < 40; i++) {
      defs[`l${i}`] = { anyOf: [{ $ref: `#/$defs/l${i - 1}` }, { $ref: `#/$defs/l${i - 1}` }] };
    }
    const err = refusal({ json: { $defs: defs, $ref: "#/$defs/l39" } });
    expect(err.code).toBe("schema_unsupported");
    expect(err.message).toContain("written out");
  });

  it("grammars: reversed bounds, left recursion through empty rules, 20,000 parentheses", () => {
    expect(refusal({ grammar: 'root ::= "a"{1,0}' }).message).toContain('rule "root"');
    expect(refusal({ grammar: 'root ::= e root "a" | "b"\ne ::= f\nf ::= ""' }).message).toContain(
      "left recursion",
    );
    expect(refusal({ grammar: `root ::= ${"(".repeat(20_000)}"a"${")".repeat(20_000)}` }).code).toBe(
      "schema_unsupported",
    );
  });
});

describe("front door: schemas", () => {
  it("__proto__, constructor and prototype are ordinary required properties", () => {
    for (const name of ["__proto__", "constructor", "prototype"]) {
      const schema = JSON.parse(
        `{"type": "object", "properties": {"${name}": {"type": "string"}}, "required": ["${name}"]}`,
      );
      expect(violation({ json: schema }, "{}").code).toBe("constraint_violation");
      const ok = prepareConstraint({ json: schema })!.validate(`{"${name}": "x"}`);
      expect(Object.hasOwn(ok.output as object, name)).toBe(true);
      expect(violation({ json: schema }, `{"${name}": 1}`).message).toContain("string");
    }
  });

  it("a declared __proto__ property is checked and not taken for an additional one", () => {
    const text =
      '{"type": "object", "properties": {"__proto__": {"type": "integer"}, "a": {}}, "additionalProperties": false}';
    const schema = JSON.parse(text);
    const prepared = prepareConstraint({ json: schema })!;
    expect(prepared.validate('{"__proto__": 3}').output).toEqual(JSON.parse('{"__proto__": 3}'));
    expect(violation({ json: schema }, '{"__proto__": "x"}').code).toBe("constraint_violation");
    expect(violation({ json: schema }, '{"b": 1}').code).toBe("constraint_violation");
    expect(JSON.stringify(schema)).toBe(JSON.stringify(JSON.parse(text))); // the caller's schema is untouched
  });

  it("keys every distinct constraint apart", () => {
    const keys = [
      { json: {} },
      { json: JSON.parse('{"__proto__": {"type": "string"}}') },
      { json: { const: null } },
      { json: { const: 0 } },
      { json: { const: "0" } },
      { regex: "a" },
      { choice: ["a"] },
      { grammar: 'root ::= "a"' },
    ].map((so) => prepareConstraint(so)!.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(prepareConstraint({ json: { b: 1, a: 2 } })!.key).toBe(
      prepareConstraint({ json: { a: 2, b: 1 } })!.key,
    );
  });

  it("an invalid schema is invalid_request in words a person understands", () => {
    const err = refusal({ json: { type: "object", properties: { a: { type: "objct" } } } });
    expect(err.code).toBe("invalid_request");
    expect(err.message).toBe(
      'structured_outputs.json is not a valid JSON Schema at /properties/a/type: "objct" is not a JSON Schema type (use one of array, boolean, integer, null, number, object, string)',
    );
    expect(refusal({ json: { minLength: -1 } }).message).toContain('"minLength" must be at least 0, not -1');
    expect(refusal({ json: { required: "a" } }).message).toContain('"required" must be an array, not "a"');
  });

  it("unknown keywords are kept but reported as warnings, with a suggestion when close", () => {
    const prepared = prepareConstraint({
      json: {
        type: "object",
        properties: { a: { type: "string", maxlength: 3 } },
        requried: ["a"],
        "x-ui": 1,
      },
    })!;
    expect(prepared.warnings).toEqual([
      'unknown JSON Schema keyword "requried" at the schema\'s top level is kept but checks nothing (did you mean "required"?)',
      'unknown JSON Schema keyword "maxlength" at /properties/a is kept but checks nothing (did you mean "maxLength"?)',
    ]);
    expect(prepared.validate("{}").output).toEqual({}); // kept, and so not enforced
    expect(prepareConstraint({ choice: ["a"] })!.warnings).toEqual([]);
  });
});

describe("front door: constraint_violation carries the offending text", () => {
  it("for every checked kind, truncated to a few KB", () => {
    expect(violation({ choice: ["a", "b"] }, "c").output).toBe("c");
    expect(violation({ regex: "[0-9]+" }, "12x").output).toBe("12x");
    expect(violation({ json: { type: "integer" } }, '"seven"').output).toBe('"seven"');
    expect(violation({ json: { type: "integer" } }, "{not json").output).toBe("{not json");
    const long = violation({ regex: "a+" }, `${"a".repeat(10_000)}b`);
    expect(long.output!.length).toBe(VIOLATION_OUTPUT_CHARS + 1);
    expect(long.output!.endsWith("…")).toBe(true);
    expect(long.toEnvelope().error.output).toBe(long.output);
  });

  it("never splits a surrogate pair", () => {
    const answer = `${"a".repeat(VIOLATION_OUTPUT_CHARS - 1)}😀😀`;
    const out = violation({ choice: ["x"] }, answer).output!;
    expect(out.endsWith("a…")).toBe(true);
  });
});
