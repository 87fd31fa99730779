/** The eval command's work, apart from argv: run the grid, then write the report, chart and table. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { renderChart } from "./chart.js";
import { loadDataset } from "./dataset.js";
import type { EvalRecord } from "./record.js";
import { buildReport, type EvalReport } from "./report.js";
import { runEval } from "./runner.js";
import type { Setting } from "./settings.js";
import { formatTable } from "./table.js";

export interface EvalCommandOptions {
  url: string;
  apiKey: string;
  dataset: string;
  settings: Setting[];
  repeats: number;
  concurrency: number;
  outDir: string;
  seedBase?: number;
  maxAnswerTokens?: number;
  /** Only the first N items. */
  limit?: number;
  signal?: AbortSignal;
  onRecord?: (record: EvalRecord, done: number, total: number) => void;
}

export interface EvalOutputs {
  report: EvalReport;
  table: string;
  files: { records: string; report: string; chart: string };
}

export async function evalCommand(options: EvalCommandOptions): Promise<EvalOutputs> {
  const items = loadDataset(options.dataset).slice(0, options.limit);
  mkdirSync(options.outDir, { recursive: true });
  const files = {
    records: path.join(options.outDir, "records.jsonl"),
    report: path.join(options.outDir, "report.json"),
    chart: path.join(options.outDir, "chart.svg"),
  };
  const records = await runEval({
    url: options.url,
    apiKey: options.apiKey,
    items,
    settings: options.settings,
    repeats: options.repeats,
    concurrency: options.concurrency,
    recordsPath: files.records,
    ...(options.seedBase !== undefined ? { seedBase: options.seedBase } : {}),
    ...(options.maxAnswerTokens !== undefined ? { maxAnswerTokens: options.maxAnswerTokens } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onRecord ? { onRecord: options.onRecord } : {}),
  });
  const report = buildReport(
    {
      dataset: path.basename(options.dataset),
      items: items.length,
      repeats: options.repeats,
      url: options.url,
    },
    options.settings,
    records,
  );
  writeFileSync(files.report, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files.chart, renderChart(report));
  return { report, table: formatTable(report), files };
}
