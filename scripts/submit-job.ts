/**
 * Submits one completion with runpod-sdk, streams its step events (and text deltas) to stderr and
 * prints the result JSON to stdout.
 *   deployed:  RUNPOD_API_KEY=... RUNPOD_ENDPOINT_ID=... npx tsx scripts/submit-job.ts --prompt "..."
 *   local API: npx tsx scripts/submit-job.ts --base-url http://127.0.0.1:8010/v2 --prompt "..."
 * Options: --effort none|low|medium|high, --schema '<json schema>' | --choice a,b | --regex R,
 *   --request '<full request JSON>' | --input file.json, --no-stream, --no-deltas, --timeout-s N,
 *   --endpoint ID, --api-key KEY. Exit 0 on COMPLETED, 1 on FAILED/CANCELLED/TIMED_OUT, 2 on bad usage.
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import runpodSdk from "runpod-sdk";
import { StreamMessage } from "../core/protocol.js";

export interface SubmitOptions {
  baseUrl?: string;
  endpointId: string;
  apiKey: string;
  request: Record<string, unknown>;
  /** Print text deltas as they arrive (with step events). */
  deltas: boolean;
  timeoutMs: number;
}

export interface SubmitIo {
  out: (text: string) => void;
  err: (text: string) => void;
  signal?: AbortSignal;
}

function describeStep(item: Extract<StreamMessage, { type: "completion.step" }>): string {
  if (item.status === "started") return `▶ ${item.step}`;
  return `✓ ${item.step}: ${item.completion_tokens ?? "?"} tokens, ${item.ms ?? "?"} ms, ${item.finish_reason ?? ""}`;
}

/** Runs the job to its end; resolves with the exit code. */
export async function submitJob(options: SubmitOptions, io: SubmitIo): Promise<number> {
  const sdk = runpodSdk(options.apiKey, options.baseUrl ? { baseUrl: options.baseUrl } : undefined);
  const endpoint = sdk.endpoint(options.endpointId);
  if (!endpoint) return 2;
  const queued = await endpoint.run({ input: options.request }, 30_000);
  const id = queued.id;
  io.err(`job ${id}: ${queued.status}\n`);

  let cancelled = false;
  const cancel = async (why: string) => {
    if (cancelled) return;
    cancelled = true;
    io.err(`\n${why}: cancelling ${id}\n`);
    await endpoint.cancel(id).catch(() => undefined);
  };
  const timer = setTimeout(() => void cancel("timed out"), options.timeoutMs);
  const onAbort = () => void cancel("interrupted");
  io.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (options.request.stream === true) {
      let midLine = false;
      for await (const chunk of endpoint.stream(id)) {
        const parsed = StreamMessage.safeParse((chunk as { output?: unknown }).output);
        if (!parsed.success) continue;
        const item = parsed.data;
        if (item.type === "completion.delta") {
          if (options.deltas && item.text) {
            io.err(item.text);
            midLine = !item.text.endsWith("\n");
          }
        } else if (item.type === "completion.step") {
          io.err(`${midLine ? "\n" : ""}${describeStep(item)}\n`);
          midLine = false;
        }
        if (cancelled) break;
      }
    }
    let status = await endpoint.status(id);
    while (!["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"].includes(status.status)) {
      status = await endpoint.statusSync(id, 30_000);
    }
    const body = status as { status: string; output?: unknown; error?: string; executionTime?: number };
    io.err(
      `job ${id}: ${body.status}${body.executionTime !== undefined ? ` in ${body.executionTime} ms` : ""}\n`,
    );
    if (body.status === "COMPLETED") {
      io.out(`${JSON.stringify(body.output, null, 2)}\n`);
      return 0;
    }
    if (body.error !== undefined) io.err(`${prettyError(body.error)}\n`);
    return 1;
  } finally {
    clearTimeout(timer);
    io.signal?.removeEventListener("abort", onAbort);
  }
}

/** RunPod's `error` is a string; ours holds the JSON envelope. */
function prettyError(error: string): string {
  try {
    return JSON.stringify(JSON.parse(error), null, 2);
  } catch {
    return error;
  }
}

export const HELP = `Usage: npm run submit-job -- [options]
Submits one completion as a RunPod job, streams its step events (and text deltas) to stderr and prints the
result JSON to stdout. Exit 0 on COMPLETED, 1 on FAILED/CANCELLED/TIMED_OUT or no connection, 2 on bad usage.

Where:
  --base-url URL      a local RunPod API (npm run runpod:local), e.g. http://127.0.0.1:8010/v2
  --endpoint ID       the endpoint (default $RUNPOD_ENDPOINT_ID; "local" with --base-url)
  --api-key KEY       default $RUNPOD_API_KEY ("local" with --base-url)
What:
  --prompt TEXT       the user message
  --request JSON      a whole completion request instead
  --input FILE        a whole completion request from a file
  --effort E          none | low | medium | high
  --schema JSON       a JSON Schema for the answer
  --choice a,b,c      a choice list
  --regex R           a regex the whole answer must match
How:
  --no-stream         do not stream step events
  --no-deltas         stream step events but not text deltas
  --timeout-s N       give up after N seconds (default 600)
  -h, --help          this text`;

/** "fetch failed" names nothing: say which URL could not be reached, and why. */
export function describeFailure(err: unknown, url: string): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  if (e.message === "fetch failed" || e.cause?.code) {
    return `cannot reach ${url}: ${e.cause?.code ?? e.cause?.message ?? e.message ?? String(err)}`;
  }
  return e.message ?? String(err);
}

export function optionsFromArgs(argv: string[], env: Record<string, string | undefined>): SubmitOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      "base-url": { type: "string" },
      endpoint: { type: "string" },
      "api-key": { type: "string" },
      prompt: { type: "string" },
      request: { type: "string" },
      input: { type: "string" },
      effort: { type: "string" },
      schema: { type: "string" },
      choice: { type: "string" },
      regex: { type: "string" },
      "no-stream": { type: "boolean" },
      "no-deltas": { type: "boolean" },
      "timeout-s": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) throw new HelpRequested();
  const baseUrl = values["base-url"]?.replace(/\/+$/, "");
  // The local API accepts any key when it was started without one, and any endpoint id unless pinned.
  const apiKey = values["api-key"] ?? env.RUNPOD_API_KEY ?? (baseUrl ? "local" : undefined);
  const endpointId = values.endpoint ?? env.RUNPOD_ENDPOINT_ID ?? (baseUrl ? "local" : undefined);
  if (!apiKey) throw new Error("no API key: set RUNPOD_API_KEY or pass --api-key");
  if (!endpointId) throw new Error("no endpoint: set RUNPOD_ENDPOINT_ID or pass --endpoint (or --base-url)");

  let request: Record<string, unknown>;
  if (values.request) request = JSON.parse(values.request);
  else if (values.input) request = JSON.parse(readFileSync(values.input, "utf8"));
  else if (values.prompt) request = { prompt: values.prompt };
  else throw new Error("nothing to send: pass --prompt, --request '<json>' or --input file.json");
  if (values.effort) request.thinking_effort = values.effort;
  if (values.schema) request.structured_outputs = { json: JSON.parse(values.schema) };
  if (values.choice) request.structured_outputs = { choice: values.choice.split(",").map((s) => s.trim()) };
  if (values.regex) request.structured_outputs = { regex: values.regex };
  if (values["no-stream"]) request.stream = false;
  else request.stream ??= true;

  const timeoutS = Number(values["timeout-s"] ?? 600);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new Error("--timeout-s must be a positive number");
  return {
    ...(baseUrl ? { baseUrl } : {}),
    endpointId,
    apiKey,
    request,
    deltas: !values["no-deltas"],
    timeoutMs: timeoutS * 1000,
  };
}

export class HelpRequested extends Error {}

async function main(): Promise<void> {
  let options: SubmitOptions;
  try {
    options = optionsFromArgs(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(`${HELP}\n`);
      process.exit(0);
    }
    process.stderr.write(`submit-job: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const interrupt = new AbortController();
  process.once("SIGINT", () => interrupt.abort());
  // runpod-sdk logs runSync progress with console.log; keep stdout for the result only.
  console.log = (...args: unknown[]) => process.stderr.write(`${args.join(" ")}\n`);
  try {
    process.exitCode = await submitJob(options, {
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
      signal: interrupt.signal,
    });
  } catch (err) {
    const url = options.baseUrl ?? "https://api.runpod.ai/v2";
    process.stderr.write(`submit-job: ${describeFailure(err, `${url}/${options.endpointId}`)}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
