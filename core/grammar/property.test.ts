/**
 * Property test of the translator's contract (README.md): for random schemas over every supported
 * keyword and format and their combinations (schema-generator.ts), each schema is either refused up
 * front with schema_unsupported, or every answer sampled under its grammar on the real engine (demo
 * model, several seeds) passes the post-hoc validator (ajv with ajv-formats). Answers cut by the
 * token cap are counted apart (answer_truncated), never as valid.
 */
import { describe, expect, it } from "vitest";
import { prepareConstraint } from "../constraints/index.js";
import { sampling, useDemoEngine } from "../engines/llamacpp/test-support.js";
import { noThinkPrompt } from "../prompt.js";
import { isGrammarError } from "./errors.js";
import { lowerJsonSchema } from "./json-schema.js";
import { SchemaGenerator } from "./schema-generator.js";

const SCHEMAS = 400;
const SEEDS = [11, 12, 13];
const MAX_TOKENS = 200;

const demo = useDemoEngine();

describe("property: every answer of an accepted schema validates", () => {
  it(`${SCHEMAS} random schemas × ${SEEDS.length} seeds`, { timeout: 300_000 }, async () => {
    const prompt = noThinkPrompt([
      { role: "user", content: "Reply with a JSON value that fits the schema." },
    ]);
    const invalid: string[] = [];
    const rejected: string[] = [];
    let produced = 0;
    let truncated = 0;
    for (let i = 0; i < SCHEMAS; i++) {
      const schema = new SchemaGenerator(1000 + i, i % 3 === 2).root();
      try {
        lowerJsonSchema(schema);
      } catch (err) {
        if (!isGrammarError(err) || err.code !== "schema_unsupported") throw err;
        rejected.push(err.message);
        continue;
      }
      const { validate } = prepareConstraint({ json: schema })!;
      for (const seed of SEEDS) {
        const out = await demo.engine.completion({
          prompt,
          maxTokens: MAX_TOKENS,
          constraint: { kind: "json", schema },
          sampling: sampling(seed),
        });
        if (out.finishReason === "length") {
          truncated++;
          continue;
        }
        produced++;
        try {
          validate(out.text);
        } catch (err) {
          invalid.push(`${JSON.stringify(schema)}\n  seed ${seed}: ${(err as Error).message}\n  ${out.text}`);
        }
      }
    }
    console.log(
      `property test: ${SCHEMAS - rejected.length}/${SCHEMAS} schemas accepted, ${produced} answers produced ` +
        `(${produced - invalid.length} valid), ${truncated} truncated`,
    );
    expect(invalid).toEqual([]);
    // The generator aims at the supported subset: most schemas are accepted, and most answers finish.
    expect(rejected.length, rejected.join("\n")).toBeLessThan(SCHEMAS / 3);
    expect(produced).toBeGreaterThan(SCHEMAS);
  });
});
