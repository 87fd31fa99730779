import { describe, expect, it } from "vitest";
import { resolveLocalRef, schemaExpansionProblem } from "./schema-budget.js";

const BUDGET = { maxNodes: 20_000, maxRefDepth: 128 };

/** 2 KB of $defs whose anyOf branches both $ref the previous level: 2^levels nodes written out. */
function chained(levels: number): Record<string, unknown> {
  const defs: Record<string, unknown> = { l0: { anyOf: [{ type: "string" }, { type: "number" }] } };
  for (let i = 1; i < levels; i++) {
    defs[`l${i}`] = { anyOf: [{ $ref: `#/$defs/l${i - 1}` }, { $ref: `#/$defs/l${i - 1}` }] };
  }
  return { $defs: defs, $ref: `#/$defs/l${levels - 1}` };
}

describe("schemaExpansionProblem", () => {
  it("refuses chained $defs that expand exponentially, measured before any expansion", () => {
    const schema = chained(40);
    expect(JSON.stringify(schema).length).toBeLessThan(3000);
    const started = performance.now();
    expect(schemaExpansionProblem(schema, BUDGET)?.problem).toContain("exceed 20000 schema nodes");
    expect(performance.now() - started).toBeLessThan(200);
  });

  it("accepts a few levels, and recursive schemas (a $ref back into itself counts once)", () => {
    expect(schemaExpansionProblem(chained(6), BUDGET)).toBeUndefined();
    const tree = {
      type: "object",
      properties: { value: { type: "number" }, children: { type: "array", items: { $ref: "#" } } },
    };
    expect(schemaExpansionProblem(tree, BUDGET)).toBeUndefined();
    const mutual = {
      definitions: {
        a: { properties: { b: { $ref: "#/definitions/b" } } },
        b: { items: { $ref: "#/definitions/a" } },
      },
      $ref: "#/definitions/a",
    };
    expect(schemaExpansionProblem(mutual, BUDGET)).toBeUndefined();
  });

  it("bounds the length of $ref chains", () => {
    const defs: Record<string, unknown> = { d0: { type: "string" } };
    for (let i = 1; i < 300; i++) defs[`d${i}`] = { $ref: `#/definitions/d${i - 1}` };
    const problem = schemaExpansionProblem({ definitions: defs, $ref: "#/definitions/d299" }, BUDGET);
    expect(problem?.problem).toContain("$ref chains deeper than 128");
  });

  it("resolves local refs with escapes; anything else is unresolved", () => {
    const root = {
      $defs: { "a/b": { type: "string" }, "c~d": { type: "number" } },
      items: [{ type: "null" }],
    };
    expect(resolveLocalRef(root, "#/$defs/a~1b")).toEqual({ type: "string" });
    expect(resolveLocalRef(root, "#/$defs/c~0d")).toEqual({ type: "number" });
    expect(resolveLocalRef(root, "#/items/0")).toEqual({ type: "null" });
    expect(resolveLocalRef(root, "#")).toBe(root);
    expect(resolveLocalRef(root, "https://example.com/x")).toBeUndefined();
    expect(resolveLocalRef(root, "#/$defs/__proto__")).toBeUndefined();
  });
});
