/**
 * Deliberate's CompletionResult as OpenAI's `chat.completion` and `text_completion` objects.
 * `content` is the final answer; the reasoning is think, draft and reflect, joined by blank lines
 * (the stream sends the same text as `reasoning_content` deltas).
 */
import type { CompletionResult } from "../../../core/protocol.js";
import type { ChatCompletion, OpenAiUsage, TextCompletion } from "./schemas.js";

export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
}

export const REASONING_SEPARATOR = "\n\n";

export function responseMeta(kind: "chat" | "text", jobId: string, model: string): ResponseMeta {
  const id = `${kind === "chat" ? "chatcmpl" : "cmpl"}-${jobId.replace(/^job_/, "")}`;
  return { id, created: Math.floor(Date.now() / 1000), model };
}

/**
 * OpenAI's usage. Prompt tokens are summed over every engine call (each step reads the prompt
 * again; cached_tokens says how many came from the prefix cache); reasoning tokens are all
 * completion tokens but the final answer's, so content + reasoning = completion, as OpenAI counts.
 */
export function usageOf(result: CompletionResult): OpenAiUsage {
  const answer = result.steps.at(-1)?.completion_tokens ?? 0;
  return {
    prompt_tokens: result.usage.prompt_tokens,
    completion_tokens: result.usage.completion_tokens,
    total_tokens: result.usage.total_tokens,
    prompt_tokens_details: { cached_tokens: result.usage.cached_tokens },
    completion_tokens_details: { reasoning_tokens: result.usage.completion_tokens - answer },
  };
}

/** think, draft, reflect: null when the effort was none (nothing was reasoned). */
export function reasoningOf(result: CompletionResult): string | null {
  if (result.effort === "none") return null;
  const parts = [result.thinking?.think, result.draft, result.thinking?.reflect].filter(
    (p): p is string => typeof p === "string" && p.length > 0,
  );
  return parts.join(REASONING_SEPARATOR);
}

/** The answer cut before the first stop string, as OpenAI applies `stop`. */
export function applyStop(text: string, stops: string[]): { text: string; stopped: boolean } {
  let cut = -1;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  return cut < 0 ? { text, stopped: false } : { text: text.slice(0, cut), stopped: true };
}

/** `length` when the final step reached its cap (only a free-text answer survives that). */
export function finishOf(result: CompletionResult, stopped: boolean): "stop" | "length" {
  return !stopped && result.steps.at(-1)?.finish_reason === "length" ? "length" : "stop";
}

/** What both completion objects say of the answer: its text after `stop`, why it ended, the usage. */
function answerOf(result: CompletionResult, stops: string[]) {
  const answer = applyStop(result.text, stops);
  return { text: answer.text, finish: finishOf(result, answer.stopped), usage: usageOf(result) };
}

export function chatCompletion(
  meta: ResponseMeta,
  result: CompletionResult,
  stops: string[],
): ChatCompletion {
  const { text, finish, usage } = answerOf(result, stops);
  const message = {
    role: "assistant" as const,
    content: text,
    reasoning_content: reasoningOf(result),
    refusal: null,
  };
  return {
    ...meta,
    object: "chat.completion",
    choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
    usage,
  };
}

export function textCompletion(
  meta: ResponseMeta,
  result: CompletionResult,
  stops: string[],
): TextCompletion {
  const { text, finish, usage } = answerOf(result, stops);
  return {
    ...meta,
    object: "text_completion",
    choices: [{ index: 0, text, finish_reason: finish, logprobs: null }],
    usage,
  };
}
