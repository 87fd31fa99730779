/**
 * JSONSchemaBench on the embedded engine (demo model): coverage (accepted / total) and adherence
 * (valid / produced), truncated answers apart. Progress goes to stderr every 100 schemas.
 *
 *   npx tsx scripts/jsonschemabench.ts --corpus PATH [--limit N] [--seeds N] [--max-tokens N]
 *
 * Exits 1 when any produced answer is invalid.
 */
import { parseArgs } from "node:util";
import { formatReport, readRows, runSchemaBench } from "../core/engines/llamacpp/schema-bench.js";
import { startDemoEngine } from "../core/engines/llamacpp/test-support.js";

const { values } = parseArgs({
  options: {
    corpus: { type: "string" },
    limit: { type: "string" },
    seeds: { type: "string", default: "3" },
    "max-tokens": { type: "string", default: "384" },
  },
});
if (!values.corpus) {
  console.error("usage: jsonschemabench.ts --corpus PATH [--limit N] [--seeds N] [--max-tokens N]");
  process.exit(2);
}
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
const maxTokens = Number(values["max-tokens"]);
const rows = readRows(values.corpus, values.limit ? { limit: Number(values.limit) } : {});
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
