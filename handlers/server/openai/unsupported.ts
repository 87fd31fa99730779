/**
 * OpenAI parameters the pipeline cannot honour. A request that sets one to anything but its neutral
 * value (absent, null, or the value that asks for nothing: n 1, logprobs false, penalties 0, an
 * empty tool list...) is refused naming it, never answered as if it had been honoured.
 */
import { DeliberateError } from "../../../core/errors.js";

const isEmpty = (v: unknown) =>
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === "object" && v !== null && Object.keys(v).length === 0);

/** Parameter → [is this value neutral?, why it cannot be honoured]. */
const UNSUPPORTED: Record<string, [(value: unknown) => boolean, string]> = {
  tools: [isEmpty, "tool calling is not supported"],
  tool_choice: [(v) => v === "none", "tool calling is not supported"],
  functions: [isEmpty, "function calling is not supported"],
  function_call: [(v) => v === "none", "function calling is not supported"],
  parallel_tool_calls: [() => false, "tool calling is not supported"],
  n: [(v) => v === 1, "only one choice per request (n: 1) is supported"],
  best_of: [(v) => v === 1, "only best_of: 1 is supported"],
  logprobs: [(v) => v === false || v === 0, "logprobs are not supported"],
  top_logprobs: [(v) => v === 0, "logprobs are not supported"],
  logit_bias: [isEmpty, "logit_bias is not supported"],
  frequency_penalty: [(v) => v === 0, "frequency_penalty is not supported (only 0)"],
  presence_penalty: [(v) => v === 0, "presence_penalty is not supported (only 0)"],
  audio: [() => false, "audio output is not supported"],
  modalities: [(v) => Array.isArray(v) && v.every((m) => m === "text"), "only text output is supported"],
  prediction: [() => false, "predicted outputs are not supported"],
  web_search_options: [() => false, "web search is not supported"],
  verbosity: [() => false, "verbosity is not supported"],
  store: [(v) => v === false, "stored completions are not supported"],
  service_tier: [(v) => v === "auto" || v === "default", "service tiers are not supported"],
  echo: [(v) => v === false, "echo is not supported"],
  suffix: [() => false, "suffix (insertion) is not supported"],
};

/** Throws invalid_request naming the first parameter set to a value the pipeline cannot honour. */
export function refuseUnsupported(body: Record<string, unknown>): void {
  for (const [param, [neutral, why]] of Object.entries(UNSUPPORTED)) {
    const value = body[param];
    if (value === undefined || value === null || neutral(value)) continue;
    throw new DeliberateError("invalid_request", `${param}: ${why} by Deliberate`, { param });
  }
}
