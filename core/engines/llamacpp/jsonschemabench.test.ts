/**
 * JSONSchemaBench slice (test/data/jsonschemabench/slice.jsonl, every 27th schema of the corpus):
 * every schema is either refused up front with schema_unsupported, or every answer produced under
 * its grammar passes the post-hoc validator (schema-bench.ts). The whole corpus runs through
 * scripts/jsonschemabench.ts.
 */
import { describe, expect, it } from "vitest";
import { formatReport, readRows, runSchemaBench } from "./schema-bench.js";
import { useDemoEngine } from "./test-support.js";

const SLICE = new URL("../../../test/data/jsonschemabench/slice.jsonl", import.meta.url);
const SEEDS = [1, 2];
const MAX_TOKENS = 384;

const demo = useDemoEngine();

describe("jsonschemabench slice on the embedded engine", () => {
  it("refuses up front or produces only valid answers, over 2 seeds per schema", {
    timeout: 900_000,
  }, async () => {
    const rows = readRows(SLICE);
    const report = await runSchemaBench(demo.engine, rows, { seeds: SEEDS, maxTokens: MAX_TOKENS });
    console.log(formatReport(report, { seeds: SEEDS.length, maxTokens: MAX_TOKENS }));
    expect(report.invalid).toEqual([]);
    expect(report.valid).toBe(report.produced);
    expect(report.produced).toBeGreaterThan(0);
    // Coverage floor (302/303 when set): a change that refuses more of the slice fails here.
    expect(report.accepted).toBeGreaterThanOrEqual(302);
  });
});
