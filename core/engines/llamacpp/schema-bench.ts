/**
 * JSONSchemaBench on the embedded engine, shared by jsonschemabench.test.ts (a fixed slice) and
 * scripts/jsonschemabench.ts (the whole corpus). Each schema is either refused up front (the
 * validator's or the grammar's schema_unsupported), or sampled once per seed; every finished answer
 * goes through the post-hoc validator (a schema the validator itself refuses counts as refused). Coverage = accepted / total; adherence = valid / produced;
 * answers cut at the token cap are the pipeline's answer_truncated and are counted apart.
 */
import { readFileSync } from "node:fs";
import { prepareConstraint } from "../../constraints/index.js";
import { type BenchRow, isRefusal, reasonOf } from "../../grammar/corpus-coverage.js";
import { noThinkPrompt } from "../../prompt.js";
import type { LlamaCppEngine } from "./index.js";
import { sampling } from "./test-support.js";

export type { BenchRow } from "../../grammar/corpus-coverage.js";

export function readRows(file: string | URL, options: { limit?: number } = {}): BenchRow[] {
  const rows = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as BenchRow);
  return options.limit === undefined ? rows : rows.slice(0, options.limit);
}

export interface BenchReport {
  total: number;
  accepted: number;
  produced: number;
  valid: number;
  truncated: number;
  /** Refusals by reason (the message without its location). */
  rejected: Map<string, number>;
  /** One line per invalid answer (must stay empty). */
  invalid: string[];
}

export async function runSchemaBench(
  engine: LlamaCppEngine,
  rows: BenchRow[],
  options: { seeds: number[]; maxTokens: number; onProgress?: (done: number, report: BenchReport) => void },
): Promise<BenchReport> {
  const report: BenchReport = {
    total: rows.length,
    accepted: 0,
    produced: 0,
    valid: 0,
    truncated: 0,
    rejected: new Map(),
    invalid: [],
  };
  const prompt = noThinkPrompt([{ role: "user", content: "Reply with a JSON value that fits the schema." }]);
  for (const [index, row] of rows.entries()) {
    const constraint = { kind: "json" as const, schema: row.schema };
    let validate: (text: string) => unknown;
    try {
      validate = prepareConstraint({ json: row.schema })!.validate;
      await engine.prepareConstraint(constraint);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      report.rejected.set(reasonOf(err), (report.rejected.get(reasonOf(err)) ?? 0) + 1);
      options.onProgress?.(index + 1, report);
      continue;
    }
    report.accepted++;
    for (const seed of options.seeds) {
      const out = await engine.completion({
        prompt,
        maxTokens: options.maxTokens,
        constraint,
        sampling: sampling(seed),
      });
      if (out.finishReason === "length") {
        report.truncated++;
        continue;
      }
      report.produced++;
      try {
        validate(out.text);
        report.valid++;
      } catch (err) {
        report.invalid.push(`${row.id} seed ${seed}: ${(err as Error).message}\n${out.text.slice(0, 300)}`);
      }
    }
    options.onProgress?.(index + 1, report);
  }
  return report;
}

export function formatReport(report: BenchReport, options: { seeds: number; maxTokens: number }): string {
  const pct = (a: number, b: number) => `${((100 * a) / Math.max(b, 1)).toFixed(2)}%`;
  const { total, accepted, produced, valid, truncated } = report;
  return [
    `jsonschemabench (embedded engine, demo model, ${options.seeds} seeds, max ${options.maxTokens} tokens):`,
    `  coverage  ${accepted}/${total} accepted (${pct(accepted, total)}), ${total - accepted} refused with schema_unsupported`,
    `  adherence ${valid}/${produced} valid of produced (${pct(valid, produced)})`,
    `  truncated ${truncated}/${accepted * options.seeds} answers hit the ${options.maxTokens}-token cap (answer_truncated)`,
    "  refusals by feature:",
    ...[...report.rejected.entries()].sort((a, b) => b[1] - a[1]).map(([r, n]) => `    ${n} × ${r}`),
    ...report.invalid.map((line) => `  INVALID ${line}`),
  ].join("\n");
}
