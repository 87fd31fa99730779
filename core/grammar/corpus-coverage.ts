/**
 * Coverage of a schema corpus without generation: each schema goes through the same front door a
 * request does — the post-hoc validator's compile (core/constraints) and the translator
 * (constraintToGbnf) — and refusals are tallied by reason with a few example ids. Generation and
 * adherence are scripts/jsonschemabench.ts's full run (core/engines/llamacpp/schema-bench.ts, which
 * also reads the corpus file: this module does no I/O).
 */
import { prepareConstraint } from "../constraints/index.js";
import { DeliberateError } from "../errors.js";
import { constraintToGbnf, isGrammarError } from "./index.js";

export interface BenchRow {
  id: string;
  schema: Record<string, unknown>;
}

export interface CoverageReport {
  total: number;
  accepted: number;
  /** Ids of the accepted rows, in corpus order. */
  acceptedIds: string[];
  /** Refusals by reason: count and the first few (id, message) examples. */
  rejected: Map<string, { count: number; examples: string[] }>;
}

/** A refusal's message without its location or advice, so that equal causes tally together. */
export const reasonOf = (err: Error) =>
  err.message
    .replace(/ \(at [^)]*\)/, "")
    .replace(/^.*enforce /, "")
    .replace(/;.*$/, "")
    .replace(/\(pattern ".*"\)/, "(pattern …)");

/** Whether an error is a front-door refusal (the validator may also call a schema a bad request). */
export const isRefusal = (err: unknown): err is Error =>
  (err instanceof DeliberateError && ["schema_unsupported", "invalid_request"].includes(err.code)) ||
  (isGrammarError(err) && ["schema_unsupported", "invalid_request"].includes(err.code));

/**
 * Compiles every row; `gbnfCheck` (optional) is given each grammar text, e.g. to compile it with
 * llama.cpp, and may throw a refusal too.
 */
export function corpusCoverage(
  rows: BenchRow[],
  options: { examples?: number; gbnfCheck?: (gbnf: string) => void } = {},
): CoverageReport {
  const report: CoverageReport = { total: rows.length, accepted: 0, acceptedIds: [], rejected: new Map() };
  for (const row of rows) {
    try {
      prepareConstraint({ json: row.schema });
      const gbnf = constraintToGbnf({ kind: "json", schema: row.schema });
      options.gbnfCheck?.(gbnf);
    } catch (err) {
      if (!isRefusal(err)) throw new Error(`${row.id}: ${String(err)}`, { cause: err });
      const entry = report.rejected.get(reasonOf(err)) ?? { count: 0, examples: [] };
      entry.count++;
      if (entry.examples.length < (options.examples ?? 3)) entry.examples.push(`${row.id}: ${err.message}`);
      report.rejected.set(reasonOf(err), entry);
      continue;
    }
    report.accepted++;
    report.acceptedIds.push(row.id);
  }
  return report;
}

export function formatCoverage(report: CoverageReport, options: { examples?: boolean } = {}): string {
  const { total, accepted } = report;
  const pct = ((100 * accepted) / Math.max(total, 1)).toFixed(2);
  const byCount = [...report.rejected.entries()].sort((a, b) => b[1].count - a[1].count);
  return [
    `coverage ${accepted}/${total} accepted (${pct}%), ${total - accepted} refused`,
    "refusals by feature:",
    ...byCount.flatMap(([reason, { count, examples }]) => [
      `  ${count} × ${reason}`,
      ...(options.examples ? examples.map((e) => `      e.g. ${e.slice(0, 300)}`) : []),
    ]),
  ].join("\n");
}
