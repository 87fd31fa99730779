/**
 * npm run eval -- --url <server> --dataset <file.jsonl> [--efforts none,low,medium,high]
 *   [--reflection on,off] [--repeats N] [--concurrency C] [--out DIR] [--api-key KEY]
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { evalCommand } from "./command.js";
import { progressReporter } from "./progress.js";
import { parseEfforts, parseReflection, settingsGrid } from "./settings.js";

const HELP = `Usage: npm run eval -- --url URL --dataset FILE.jsonl [options]

Drives a running Deliberate through POST /completions over a grid of settings and reports accuracy,
schema validity, tokens and time per setting, and what the reflection pass did to the draft.

  --url URL            the server (e.g. http://127.0.0.1:8005)
  --dataset FILE       JSON lines: prompt|messages, structured_outputs, expected, compare (eval/README.md)
  --efforts LIST       efforts to run (default none,low,medium,high)
  --reflection LIST    on, off or on,off (default on,off); effort none runs once
  --repeats N          runs of each item per setting, with seeds seed..seed+N-1 (default 1)
  --concurrency C      requests at once (default 4)
  --seed N             first seed (default 1000)
  --max-answer-tokens N  the answer cap sent with each request
  --limit N            only the first N items of the dataset
  --out DIR            records.jsonl, report.json, chart.svg (default eval-results/<dataset name>)
  --api-key KEY        default $DELIBERATE_API_KEY, then $ORCH_API_KEY
  -h, --help

An interrupted run resumes from DIR/records.jsonl: done requests are kept, failed ones are re-sent.`;

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: "${text}" is not a positive integer`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      dataset: { type: "string" },
      efforts: { type: "string", default: "none,low,medium,high" },
      reflection: { type: "string", default: "on,off" },
      repeats: { type: "string" },
      concurrency: { type: "string" },
      seed: { type: "string" },
      "max-answer-tokens": { type: "string" },
      limit: { type: "string" },
      out: { type: "string" },
      "api-key": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (!values.url || !values.dataset) throw new Error("--url and --dataset are required (see --help)");
  const apiKey = values["api-key"] ?? process.env.DELIBERATE_API_KEY ?? process.env.ORCH_API_KEY;
  if (!apiKey) throw new Error("no API key: pass --api-key or set DELIBERATE_API_KEY");
  const settings = settingsGrid(parseEfforts(values.efforts), parseReflection(values.reflection));
  const controller = new AbortController();
  process.once("SIGINT", () => {
    process.stderr.write("\ninterrupted: writing the report of what is done; run again to resume\n");
    controller.abort();
  });
  const outDir = values.out ?? path.join("eval-results", path.basename(values.dataset, ".jsonl"));
  const { table, files, report } = await evalCommand({
    url: values.url,
    apiKey,
    dataset: values.dataset,
    settings,
    repeats: positiveInt("repeats", values.repeats, 1),
    concurrency: positiveInt("concurrency", values.concurrency, 4),
    outDir,
    seedBase: values.seed === undefined ? 1000 : positiveInt("seed", values.seed, 1000),
    ...(values["max-answer-tokens"]
      ? { maxAnswerTokens: positiveInt("max-answer-tokens", values["max-answer-tokens"], 0) }
      : {}),
    ...(values.limit ? { limit: positiveInt("limit", values.limit, 0) } : {}),
    signal: controller.signal,
    onRecord: progressReporter(),
  });
  console.log(`\n${table}\n\nreport ${files.report}\nchart  ${files.chart}\nrecords ${files.records}`);
  if (!report.complete) process.exitCode = controller.signal.aborted ? 130 : 1;
}

main().catch((err) => {
  process.stderr.write(`eval: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
