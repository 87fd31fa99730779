import { Words } from "refa";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../random.js";
import type { Json } from "./json-schema-common.js";
import { lowerJsonSchema } from "./json-schema.js";
import { ANCHORS } from "./string-automata.js";
import { type FormulaContext, stringFormulaDfa, stringsApart } from "./string-formula.js";
import { passes } from "./test-support.js";

const context: FormulaContext = {
  draft: "draft-07",
  resolve: (s) => s,
  validating: (k) => !["title", "description", "$comment"].includes(k),
};

const accepts = (schema: Json, s: string) =>
  stringFormulaDfa(schema, context)!.test([
    ...Array(ANCHORS).fill(0xfffe),
    ...Words.fromStringToUTF16(s),
    ...Array(ANCHORS).fill(0xffff),
  ]);

describe("stringFormulaDfa", () => {
  it("agrees with the validator on allOf, anyOf, oneOf and not of string keywords", () => {
    const schemas: Array<Record<string, unknown>> = [
      { type: "string", oneOf: [{ pattern: "^[a-z0-9]+$" }, { pattern: "^[A-Z0-9]+$" }] },
      { type: "string", not: { anyOf: [{ pattern: "^a" }, { maxLength: 1 }] } },
      { type: "string", allOf: [{ pattern: "a" }, { not: { pattern: "b" } }, { minLength: 2 }] },
      { type: "string", anyOf: [{ enum: ["x", "yy"] }, { not: { type: "string" } }, { pattern: "^z" }] },
      { type: "string", oneOf: [{ pattern: "1" }, { pattern: "2" }, { title: "no keyword", maxLength: 2 }] },
      { type: "string", not: { type: "number" }, anyOf: [{ const: "q" }, { minimum: 3, pattern: "^.$" }] },
    ];
    const pieces = ["", "a", "b", "x", "yy", "z", "q", "1", "2", "A", "B"];
    const rand = mulberry32(5);
    for (const schema of schemas) {
      for (let i = 0; i < 150; i++) {
        const s = Array.from(
          { length: Math.floor(rand() * 4) },
          () => pieces[Math.floor(rand() * pieces.length)],
        ).join("");
        expect(accepts(schema as Json, s), `${JSON.stringify(s)} against ${JSON.stringify(schema)}`).toBe(
          passes(schema, s),
        );
      }
    }
  });

  it("leaves a checked format, if/then/else and unknown string keywords to the other routes", () => {
    expect(stringFormulaDfa({ type: "string", not: { format: "date" } }, context)).toBeUndefined();
    expect(stringFormulaDfa({ type: "string", if: { pattern: "a" } }, context)).toBeUndefined();
    expect(stringFormulaDfa({ type: "string", contentEncoding: "base64", not: {} }, context)).toBeUndefined();
  });

  it("takes over what the schema-level routes refuse, and leaves what they take", () => {
    // Negations nested deeper than the complement route follows (json-schema-not.ts stops at 4).
    let nested: Record<string, unknown> = { pattern: "^a" };
    for (let i = 0; i < 6; i++) nested = { not: nested };
    nested = { type: "string", maxLength: 5, ...nested };
    expect(lowerJsonSchema(nested)).toHaveProperty("rules");
    expect(passes(nested, "ab")).toBe(true);
    // Exact already at the schema level: unchanged.
    expect(
      lowerJsonSchema({ type: "string", anyOf: [{ maxLength: 2 }, { minLength: 5 }] }),
    ).not.toHaveProperty("rules");
  });

  it("proves oneOf string branches apart where what one generates fails the other", () => {
    const ctx = { draft: "draft-07" as const, resolve: (s: Json) => s };
    // Generated URIs (`https://…`) are never hostnames, and a pattern's matches can fail another's.
    expect(stringsApart({ type: "string", format: "uri" }, { format: "hostname" }, ctx)).toBe(true);
    expect(stringsApart({ type: "string", pattern: "^a" }, { pattern: "^b" }, ctx)).toBe(true);
    // "1.2.3.4" is an ipv4 and a hostname; any string overlaps a bare `type: string`.
    expect(stringsApart({ type: "string", format: "ipv4" }, { format: "hostname" }, ctx)).toBe(false);
    expect(stringsApart({ type: "string", pattern: "^a" }, { type: "string" }, ctx)).toBe(false);
    const oneOf = { type: "string", oneOf: [{ format: "uri" }, { format: "hostname" }] };
    expect(lowerJsonSchema(oneOf)).toHaveProperty("gbnf");
  });
});
