/**
 * Runs the vLLM stand-in as its own process, like `vllm serve`:
 *   tsx test/vllm-stand-in/main.ts [serve MODEL] --port 8000 [--model NAME] [--served-model-name NAME] [--max-model-len 32768]
 *     [--runner generate|pooling] [--vllm-version 0.30.1] [--api-key KEY] [--host 127.0.0.1]
 *     [--token-delay-ms 0] [--call-delay-ms 0] [--load-delay-ms 0] [--enable-prompt-tokens-details]
 *     [--ignore-structured-outputs] [--fail-completions N] [--max-num-seqs 256]
 * Other `vllm serve` flags are accepted and ignored, so it can stand in for the `vllm` program.
 * --load-delay-ms keeps the port closed for a while first (vLLM refuses connections while loading).
 * Faults: --ignore-structured-outputs generates as if constraints were off (what --reasoning-parser
 * does on completions); --fail-completions N answers the first N completions with a 500.
 * Prints `vllm stand-in listening on http://HOST:PORT` once it serves; stops on SIGTERM/SIGINT.
 */
import { parseArgs } from "node:util";
import { sleep } from "../../core/sleep.js";
import { VllmStandIn } from "./server.js";

const { values, positionals } = parseArgs({
  options: {
    port: { type: "string", default: "8000" },
    host: { type: "string", default: "127.0.0.1" },
    model: { type: "string" },
    "served-model-name": { type: "string" },
    "max-model-len": { type: "string", default: "32768" },
    runner: { type: "string", default: "generate" },
    "vllm-version": { type: "string", default: "0.30.1" },
    "api-key": { type: "string" },
    "token-delay-ms": { type: "string", default: "0" },
    "load-delay-ms": { type: "string", default: "0" },
    "prompt-tokens-details": { type: "boolean", default: false },
    "enable-prompt-tokens-details": { type: "boolean", default: false },
    "ignore-structured-outputs": { type: "boolean", default: false },
    "fail-completions": { type: "string", default: "0" },
    "max-num-seqs": { type: "string", default: "256" },
    "call-delay-ms": { type: "string", default: "0" },
  },
  // Accept (and ignore) the rest of a real `vllm serve` command line.
  strict: false,
  allowPositionals: true,
});

const str = (v: string | boolean | undefined) => (typeof v === "string" ? v : undefined);
// `main.ts [serve] MODEL ...`, as in `vllm serve MODEL ...` (the first positional after `serve`).
const positionalModel = positionals[0] === "serve" ? positionals[1] : positionals[0];
const apiKey = str(values["api-key"]) || process.env.VLLM_API_KEY || undefined;
const runner = str(values.runner) === "pooling" ? "pooling" : "generate";
const standIn = new VllmStandIn({
  model: str(values["served-model-name"]) ?? str(values.model) ?? positionalModel ?? "Qwen/Qwen3-8B",
  maxModelLen: Number(str(values["max-model-len"])),
  version: str(values["vllm-version"])!,
  runner,
  host: str(values.host)!,
  maxNumSeqs: Number(str(values["max-num-seqs"])),
  port: Number(str(values.port)),
  promptTokensDetails:
    values["prompt-tokens-details"] === true || values["enable-prompt-tokens-details"] === true,
  // Like vLLM: --api-key, else VLLM_API_KEY from the environment (secrets stay off the command line).
  ...(apiKey ? { apiKey } : {}),
});
standIn.faults.tokenDelayMs = Number(str(values["token-delay-ms"]));
standIn.faults.callDelayMs = Number(str(values["call-delay-ms"]));
standIn.faults.ignoreStructuredOutputs = values["ignore-structured-outputs"] === true;
const failures = Number(str(values["fail-completions"]));
if (failures > 0) standIn.failNext(500, failures, { message: "EngineCore encountered an issue." });

const loadDelay = Number(str(values["load-delay-ms"]));
if (loadDelay > 0) await sleep(loadDelay);
const url = await standIn.start();
process.stdout.write(`vllm stand-in listening on ${url}\n`);

const shutdown = () => {
  standIn.stop().then(() => process.exit(0));
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
