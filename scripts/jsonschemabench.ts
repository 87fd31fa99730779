/**
 * JSONSchemaBench on the embedded engine (demo model): coverage (accepted / total) and adherence
 * (valid / produced), truncated answers apart. Progress goes to stderr every 100 schemas.
 *
 *   npx tsx scripts/jsonschemabench.ts --corpus PATH [--limit N] [--ids FILE] [--seeds N] [--max-tokens N]
 *   npx tsx scripts/jsonschemabench.ts --corpus PATH --compile-only [--examples] [--llama] [--accepted-out FILE]
 *
 * `--compile-only` generates nothing: every schema goes through the validator and the translator (with
 * `--llama`, the grammar is also compiled by llama.cpp, as the engine does) and refusals are tallied by
 * reason (`--examples` adds example ids); `--accepted-out` writes the accepted ids, one a line. `--ids`
 * keeps only the rows whose id is listed in FILE (e.g. the ids newly accepted by a change).
 * Exits 1 when any produced answer is invalid.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { formatReport, readRows, runSchemaBench } from "../core/engines/llamacpp/schema-bench.js";
import { startDemoEngine } from "../core/engines/llamacpp/test-support.js";
import { corpusCoverage, formatCoverage } from "../core/grammar/corpus-coverage.js";

const { values } = parseArgs({
  options: {
    corpus: { type: "string" },
    limit: { type: "string" },
    ids: { type: "string" },
    seeds: { type: "string", default: "3" },
    "max-tokens": { type: "string", default: "384" },
    "compile-only": { type: "boolean", default: false },
    examples: { type: "boolean", default: false },
    llama: { type: "boolean", default: false },
    "accepted-out": { type: "string" },
  },
});
if (!values.corpus) {
  console.error(
    "usage: jsonschemabench.ts --corpus PATH [--limit N] [--ids FILE] [--seeds N] [--max-tokens N] " +
      "[--compile-only [--examples] [--llama] [--accepted-out FILE]]",
  );
  process.exit(2);
}
let rows = readRows(values.corpus, values.limit ? { limit: Number(values.limit) } : {});
if (values.ids) {
  const wanted = new Set(readFileSync(values.ids, "utf8").split("\n").filter(Boolean));
  rows = rows.filter((row) => wanted.has(row.id));
}

if (values["compile-only"]) {
  let gbnfCheck: ((gbnf: string) => void) | undefined;
  if (values.llama) {
    const { getLlama, LlamaGrammar } = await import("node-llama-cpp");
    const { compileRefused } = await import("../core/grammar/index.js");
    const llama = await getLlama();
    gbnfCheck = (grammar) => {
      try {
        new LlamaGrammar(llama, { grammar });
      } catch (err) {
        throw compileRefused("json", err instanceof Error ? err.message : String(err));
      }
    };
  }
  const started = Date.now();
  const report = corpusCoverage(rows, { examples: values.examples ? 3 : 0, gbnfCheck });
  console.log(formatCoverage(report, { examples: values.examples }));
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (values["accepted-out"]) writeFileSync(values["accepted-out"], `${report.acceptedIds.join("\n")}\n`);
  process.exit(0);
}

const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
const maxTokens = Number(values["max-tokens"]);
const demo = await startDemoEngine();
try {
  const started = Date.now();
  const report = await runSchemaBench(demo.engine, rows, {
    seeds,
    maxTokens,
    onProgress: (done, r) => {
      if (done % 100 !== 0) return;
      const secs = Math.round((Date.now() - started) / 1000);
      console.error(
        `${done}/${rows.length} (${secs} s): accepted ${r.accepted}, valid ${r.valid}/${r.produced}`,
      );
    },
  });
  console.log(formatReport(report, { seeds: seeds.length, maxTokens }));
  process.exitCode = report.invalid.length ? 1 : 0;
} finally {
  await demo.dispose();
}
