/** Normalising structured_outputs: what is accepted, and how malformed input is refused. */
import { describe, expect, it } from "vitest";
import { DeliberateError } from "../errors.js";
import type { StructuredOutputs } from "../protocol.js";
import { LIMITS, prepareConstraint } from "./index.js";

function refusal(so: unknown): DeliberateError {
  try {
    prepareConstraint(so as StructuredOutputs);
  } catch (err) {
    expect(err).toBeInstanceOf(DeliberateError);
    return err as DeliberateError;
  }
  throw new Error(`expected ${JSON.stringify(so).slice(0, 100)} to be refused`);
}

describe("prepareConstraint: shape", () => {
  it("returns undefined when there is no constraint", () => {
    expect(prepareConstraint(undefined)).toBeUndefined();
  });

  it("normalises each of the four kinds into the engine's Constraint", () => {
    expect(prepareConstraint({ json: { type: "integer" } })!.constraint).toEqual({
      kind: "json",
      schema: { type: "integer" },
    });
    expect(prepareConstraint({ regex: "a+" })!.constraint).toEqual({ kind: "regex", pattern: "a+" });
    expect(prepareConstraint({ choice: ["yes", "no"] })!.constraint).toEqual({
      kind: "choice",
      choices: ["yes", "no"],
    });
    expect(prepareConstraint({ grammar: 'root ::= "x"' })!.constraint).toEqual({
      kind: "grammar",
      grammar: 'root ::= "x"',
    });
  });

  it.each([
    [{}, "none"],
    [{ json: {}, regex: "a" }, "json, regex"],
    [{ choice: ["a"], grammar: "g" }, "choice, grammar"],
  ])("refuses %j: exactly one kind is required", (so, listed) => {
    const err = refusal(so);
    expect(err.code).toBe("invalid_request");
    expect(err.status).toBe(400);
    expect(err.param).toBe("structured_outputs");
    expect(err.message).toContain(listed);
  });

  it("refuses keys vLLM knows but Deliberate does not offer, naming the key", () => {
    const err = refusal({ json_object: true });
    expect(err.param).toBe("structured_outputs.json_object");
  });

  it("refuses a structured_outputs that is not an object", () => {
    expect(refusal(["json"]).param).toBe("structured_outputs");
  });
});

describe("prepareConstraint: json", () => {
  it.each([[[]], [null], ["{}"], [true], [3]])("refuses a schema that is not an object: %j", (schema) => {
    const err = refusal({ json: schema });
    expect(err.code).toBe("invalid_request");
    expect(err.param).toBe("structured_outputs.json");
  });

  it("refuses a schema over the size bound and accepts one just under it", () => {
    const padding = (bytes: number) => ({ type: "string", description: "x".repeat(bytes) });
    const overhead = JSON.stringify(padding(0)).length;
    expect(prepareConstraint({ json: padding(LIMITS.schemaBytes - overhead) })).toBeDefined();
    const err = refusal({ json: padding(LIMITS.schemaBytes - overhead + 1) });
    expect(err.code).toBe("invalid_request");
    expect(err.param).toBe("structured_outputs.json");
    expect(err.message).toContain("64 KB");
  });

  it("counts the size in UTF-8 bytes, not characters", () => {
    const overhead = JSON.stringify({ type: "string", description: "" }).length;
    const chars = Math.ceil((LIMITS.schemaBytes - overhead) / 2) + 1; // "é" is two bytes
    expect(refusal({ json: { type: "string", description: "é".repeat(chars) } }).param).toBe(
      "structured_outputs.json",
    );
  });

  it("refuses a schema nested deeper than the bound", () => {
    const nest = (levels: number): Record<string, unknown> => {
      let schema: Record<string, unknown> = { type: "string" };
      // each level adds two: the property map and the property's schema
      for (let i = 0; i < levels; i++) schema = { type: "object", properties: { a: schema } };
      return schema;
    };
    expect(prepareConstraint({ json: nest(15) })).toBeDefined(); // depth 31
    const err = refusal({ json: nest(16) }); // depth 33
    expect(err.code).toBe("invalid_request");
    expect(err.message).toContain("nested deeper than 32");
  });

  it("refuses a pathologically deep schema without overflowing the stack", () => {
    let schema: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) schema = { not: schema };
    expect(refusal({ json: schema }).param).toBe("structured_outputs.json");
  });

  it("answers schema_unsupported, naming the field and Ajv's reason, for a schema Ajv cannot compile", () => {
    const err = refusal({ json: { type: "object", properties: { a: { $ref: "#/definitions/missing" } } } });
    expect(err.code).toBe("schema_unsupported");
    expect(err.status).toBe(422);
    expect(err.param).toBe("structured_outputs.json");
    expect(err.message).toContain("#/definitions/missing");
  });

  it("answers schema_unsupported for a draft it does not support", () => {
    const err = refusal({ json: { $schema: "http://json-schema.org/draft-03/schema#", type: "string" } });
    expect(err.code).toBe("schema_unsupported");
    expect(err.message).toContain("draft-03");
  });
});

describe("prepareConstraint: regex", () => {
  it.each([["(unclosed"], ["a)|(b"], ["[z-a]"], ["*"]])("refuses %j, which does not compile", (regex) => {
    const err = refusal({ regex });
    expect(err.code).toBe("invalid_request");
    expect(err.param).toBe("structured_outputs.regex");
    expect(err.message).toContain("does not compile");
  });

  it.each([["\\Aabc\\Z"], ["abc\\z"], ["\\h+"]])(
    "refuses %j: Python/PCRE letter escapes that JS would read as plain letters",
    (regex) => {
      const err = refusal({ regex });
      expect(err.code).toBe("invalid_request");
      expect(err.message).toMatch(/\\[AZzh] is not JavaScript regex syntax/);
    },
  );

  it("still takes what legacy mode reads as Python does: an escaped _ or -, and an escaped backslash before a letter", () => {
    const underscore = prepareConstraint({ regex: "a\\_b" })!;
    expect(underscore.validate("a_b").output).toBe("a_b");
    const backslash = prepareConstraint({ regex: "\\\\A\\-" })!;
    expect(backslash.validate("\\A-").output).toBe("\\A-");
  });

  it("refuses an empty, non-string or oversized regex", () => {
    expect(refusal({ regex: "" }).param).toBe("structured_outputs.regex");
    expect(refusal({ regex: 5 }).param).toBe("structured_outputs.regex");
    expect(prepareConstraint({ regex: "a".repeat(LIMITS.regexBytes) })).toBeDefined();
    expect(refusal({ regex: "a".repeat(LIMITS.regexBytes + 1) }).message).toContain("4 KB");
  });
});

describe("prepareConstraint: choice", () => {
  it("refuses an empty list, a non-list, non-string, empty and duplicate entries", () => {
    for (const choice of [[], "yes", ["a", 1], ["a", ""], ["a", "b", "a"]]) {
      const err = refusal({ choice });
      expect(err.code).toBe("invalid_request");
      expect(err.param).toBe("structured_outputs.choice");
    }
    expect(refusal({ choice: ["a", "b", "a"] }).message).toContain("choice[2] repeats");
    expect(refusal({ choice: ["a", 1] }).message).toContain("choice[1] must be a string");
  });

  it("refuses more entries than the bound, and an entry longer than its bound", () => {
    const many = Array.from({ length: LIMITS.choiceCount }, (_, i) => `c${i}`);
    expect(prepareConstraint({ choice: many })).toBeDefined();
    expect(refusal({ choice: [...many, "one more"] }).message).toContain("1024 entries");
    expect(refusal({ choice: ["x".repeat(LIMITS.choiceBytes + 1)] }).param).toBe("structured_outputs.choice");
  });

  it("keeps whitespace-only and case-distinct entries: they are real, different answers", () => {
    expect(prepareConstraint({ choice: [" ", "Yes", "yes"] })!.constraint).toEqual({
      kind: "choice",
      choices: [" ", "Yes", "yes"],
    });
  });
});

describe("prepareConstraint: grammar", () => {
  it("refuses an empty or blank grammar, a non-string and an oversized one", () => {
    for (const grammar of ["", "  \n", 7]) {
      expect(refusal({ grammar }).param).toBe("structured_outputs.grammar");
    }
    const big = `root ::= "${"a".repeat(LIMITS.grammarBytes)}"`;
    expect(refusal({ grammar: big }).message).toContain("64 KB");
  });
});
