/**
 * JSONSchemaBench sample (test/data/jsonschemabench): every schema is either rejected up front with
 * schema_unsupported, or every output produced under its grammar passes the post-hoc validator.
 * Coverage = accepted / total; adherence = valid / produced (must be 100%); outputs that hit the
 * token cap are truncated (the pipeline's answer_truncated) and are counted apart, not as produced.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareConstraint } from "../../constraints/index.js";
import { DeliberateError } from "../../errors.js";
import { noThinkPrompt } from "../../prompt.js";
import { type DemoEngine, sampling, startDemoEngine } from "./test-support.js";

const SAMPLE = new URL("../../../test/data/jsonschemabench/sample.jsonl", import.meta.url);
const SEEDS = [1, 2, 3];
const MAX_TOKENS = 384;

interface Row {
  id: string;
  category: string;
  schema: Record<string, unknown>;
}
const rows: Row[] = readFileSync(SAMPLE, "utf8")
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line) as Row);

let demo: DemoEngine;
beforeAll(async () => {
  demo = await startDemoEngine();
});
afterAll(() => demo?.dispose());

describe("jsonschemabench on the embedded engine", () => {
  it("rejects up front or produces only valid outputs, over 3 seeds per schema", {
    timeout: 600_000,
  }, async () => {
    const rejected = new Map<string, number>();
    const invalid: string[] = [];
    let accepted = 0;
    let produced = 0;
    let valid = 0;
    let truncated = 0;
    const prompt = noThinkPrompt([
      { role: "user", content: "Reply with a JSON value that fits the schema." },
    ]);
    for (const row of rows) {
      let validate: (text: string) => unknown;
      try {
        validate = prepareConstraint({ json: row.schema })!.validate;
        await demo.engine.completion({
          prompt,
          maxTokens: 1,
          constraint: { kind: "json", schema: row.schema },
          sampling: sampling(0),
        });
      } catch (err) {
        if (!(err instanceof DeliberateError) || err.code !== "schema_unsupported") throw err;
        const reason = err.message
          .replace(/ \(at [^)]*\)/, "")
          .replace(/^.*enforce /, "")
          .replace(/;.*$/, "");
        rejected.set(reason, (rejected.get(reason) ?? 0) + 1);
        continue;
      }
      accepted++;
      for (const seed of SEEDS) {
        const out = await demo.engine.completion({
          prompt,
          maxTokens: MAX_TOKENS,
          constraint: { kind: "json", schema: row.schema },
          sampling: sampling(seed),
        });
        if (out.finishReason === "length") {
          truncated++;
          continue;
        }
        produced++;
        try {
          validate(out.text);
          valid++;
        } catch (err) {
          invalid.push(`${row.id} seed ${seed}: ${(err as Error).message}\n${out.text.slice(0, 300)}`);
        }
      }
    }
    const pct = (a: number, b: number) => `${((100 * a) / Math.max(b, 1)).toFixed(1)}%`;
    console.log(
      [
        `jsonschemabench (embedded engine, demo model, ${SEEDS.length} seeds, max ${MAX_TOKENS} tokens):`,
        `  coverage  ${accepted}/${rows.length} accepted (${pct(accepted, rows.length)}), ${rows.length - accepted} rejected with schema_unsupported`,
        `  adherence ${valid}/${produced} valid of produced (${pct(valid, produced)})`,
        `  truncated ${truncated}/${accepted * SEEDS.length} outputs hit the ${MAX_TOKENS}-token cap (answer_truncated)`,
        "  rejections by feature:",
        ...[...rejected.entries()].sort((a, b) => b[1] - a[1]).map(([r, n]) => `    ${n} × ${r}`),
      ].join("\n"),
    );
    expect(invalid).toEqual([]);
    expect(valid).toBe(produced);
    expect(produced).toBeGreaterThan(0);
    // Coverage floor (196/200 when set): a change that rejects more of the sample fails here.
    expect(accepted).toBeGreaterThanOrEqual(196);
  });
});
