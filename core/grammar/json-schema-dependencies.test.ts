import { describe, expect, it } from "vitest";
import { noThinkPrompt } from "../prompt.js";
import { expectValidOverSeeds, useDemoEngine } from "../engines/llamacpp/test-support.js";
import { lowerJsonSchema } from "./json-schema.js";
import { alternatives } from "./test-support.js";

describe("dependencies taken apart as unions", () => {
  it("generates a schema dependency as trigger-absent or dependency-merged", () => {
    const schema = {
      type: "object",
      properties: { card: { type: "string" }, zip: { type: "string" } },
      dependencies: { card: { required: ["billing"] } },
    };
    expect(alternatives(lowerJsonSchema(schema))).toEqual(["billing,card,zip", "zip"]);
    // A required trigger is always present: only the merge is generated.
    expect(alternatives(lowerJsonSchema({ ...schema, required: ["card"] }))).toEqual(["billing,card,zip"]);
  });
});

const demo = useDemoEngine();

describe("dependencies on the real engine: every output passes the validator", () => {
  const schemas: Array<Record<string, unknown>> = [
    {
      type: "object",
      properties: { a: { type: "string", maxLength: 5 }, b: { type: "integer" } },
      dependencies: { a: { properties: { b: { minimum: 3, maximum: 7 } }, required: ["b"] }, b: ["a"] },
    },
  ];
  const prompt = noThinkPrompt([{ role: "user", content: "Reply with JSON." }]);
  for (const schema of schemas) {
    it(JSON.stringify(schema).slice(0, 100), { timeout: 60_000 }, async () => {
      await expectValidOverSeeds(demo.engine, schema, { prompt, maxTokens: 120, seeds: [1, 2, 3, 4, 5, 6] });
    });
  }
});
