/**
 * The validator against JSONSchemaBench's sample (200 real-world schemas, 714 labelled instances):
 * it must agree with every `valid` flag of every schema it can compile.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DeliberateError } from "../errors.js";
import { prepareConstraint } from "./index.js";

const SAMPLE = new URL("../../test/data/jsonschemabench/sample.jsonl", import.meta.url);

interface Entry {
  id: string;
  schema: unknown;
  tests: Array<{ description: string; valid: boolean; data: unknown }>;
}

const entries: Entry[] = readFileSync(SAMPLE, "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as Entry);

describe("jsonschemabench sample", () => {
  it("has the 200 schemas and 714 instances it is documented to have", () => {
    expect(entries).toHaveLength(200);
    expect(entries.reduce((n, e) => n + e.tests.length, 0)).toBe(714);
  });

  it("agrees with every valid flag of every schema it compiles", () => {
    const unsupported: string[] = [];
    const disagreements: string[] = [];
    let checked = 0;
    for (const entry of entries) {
      let prepared: ReturnType<typeof prepareConstraint>;
      try {
        prepared = prepareConstraint({ json: entry.schema as Record<string, unknown> });
      } catch (err) {
        expect(err).toBeInstanceOf(DeliberateError);
        expect((err as DeliberateError).code).toBe("schema_unsupported");
        unsupported.push(`${entry.id}: ${(err as DeliberateError).message}`);
        continue;
      }
      for (const test of entry.tests) {
        checked++;
        let accepted: boolean;
        try {
          prepared!.validate(JSON.stringify(test.data));
          accepted = true;
        } catch (err) {
          expect((err as DeliberateError).code).toBe("constraint_violation");
          accepted = false;
        }
        if (accepted !== test.valid) {
          disagreements.push(`${entry.id} [${test.description}] expected valid=${test.valid}`);
        }
      }
    }
    const total = entries.reduce((n, e) => n + e.tests.length, 0);
    console.log(
      `jsonschemabench: ${entries.length - unsupported.length}/${entries.length} schemas compiled, ` +
        `schema_unsupported=${unsupported.length}; ${checked - disagreements.length}/${checked} instances ` +
        `agree (${total - checked} instances belong to unsupported schemas)`,
    );
    for (const line of unsupported) console.log(`  unsupported ${line}`);
    expect(disagreements).toEqual([]);
    // Guards against a validator that fails to compile everything and so "agrees" vacuously.
    expect(unsupported.length).toBeLessThanOrEqual(10);
  });
});
