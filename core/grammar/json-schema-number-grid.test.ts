import { describe, expect, it } from "vitest";
import { expectValidOverSeeds, useDemoEngine } from "../engines/llamacpp/test-support.js";
import { noThinkPrompt } from "../prompt.js";
import { lowerJsonSchema } from "./json-schema.js";
import { passes, rejection } from "./test-support.js";

describe("number schemas the grammar cannot write: the integers of a window the validator accepts", () => {
  it("keeps exactly the integers of the window that pass the whole schema", () => {
    const closed = { type: "integer", not: { multipleOf: 3 }, minimum: 10, maximum: 20 };
    expect(lowerJsonSchema(closed)).toEqual({ enum: [10, 11, 13, 14, 16, 17, 19, 20] });
    // Open above: the window starts at the lower bound; every value kept passes, none is left out
    // below the last one kept.
    const open = {
      type: "number",
      minimum: 1,
      anyOf: [{ multipleOf: 5 }, { multipleOf: 7 }],
      not: { multipleOf: 35 },
    };
    const { enum: values } = lowerJsonSchema(open) as { enum: number[] };
    expect(values.slice(0, 6)).toEqual([5, 7, 10, 14, 15, 20]);
    for (const v of values) expect(passes(open, v), String(v)).toBe(true);
    for (let v = 1; v <= values.at(-1)!; v++) expect(values.includes(v)).toBe(passes(open, v));
  });

  it("also where the subsets written for a oneOf leave no value", () => {
    const schema = { type: "number", minimum: 1, oneOf: [{ multipleOf: 5 }, { multipleOf: 10 }] };
    const { enum: values } = lowerJsonSchema(schema) as { enum: number[] };
    expect(values.slice(0, 3)).toEqual([5, 15, 25]);
    for (const v of values) expect(passes(schema, v)).toBe(true);
  });

  it("leaves other refusals as they are: other types, and windows without a passing integer", () => {
    expect(rejection({ type: "array", not: { uniqueItems: true } })).toMatch(/`not`/);
    expect(rejection({ type: "integer", minimum: 0, maximum: 5, not: { maximum: 9 } })).toMatch(
      /no value|`not`/,
    );
    expect(rejection({ type: "number", minimum: 0.2, maximum: 0.8, not: { multipleOf: 0.25 } })).toMatch(
      /`not`/,
    );
  });
});

const demo = useDemoEngine();

describe("number windows on the real engine: every output passes the validator", () => {
  const schemas: Array<Record<string, unknown>> = [
    { type: "integer", multipleOf: 13, not: { anyOf: [{ multipleOf: 2 }, { multipleOf: 3 }] }, minimum: 100 },
  ];
  const prompt = noThinkPrompt([{ role: "user", content: "Reply with a number." }]);
  for (const schema of schemas) {
    it(JSON.stringify(schema), { timeout: 60_000 }, async () => {
      await expectValidOverSeeds(demo.engine, schema, { prompt, maxTokens: 32, seeds: [1, 2, 3, 4, 5, 6] });
    });
  }
});
