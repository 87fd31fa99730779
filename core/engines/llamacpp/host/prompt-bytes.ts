/**
 * The context check that needs no tokenizer: no token stands for more than `maxTokenBytes` bytes,
 * so a prompt of n bytes has at least ceil(n / maxTokenBytes) tokens. A prompt that cannot fit
 * even by that count is refused from its byte length alone, before any tokenization (which
 * llama.cpp does in time quadratic in the number of special tokens).
 */
import { DeliberateError } from "../../../errors.js";

export function minTokens(text: string, maxTokenBytes: number): number {
  return Math.ceil(Buffer.byteLength(text, "utf8") / Math.max(1, maxTokenBytes));
}

/** Throws context_overflow when the prompt plus `maxTokens` surely exceeds the context. */
export function checkPromptBytes(
  text: string,
  maxTokens: number,
  context: number,
  maxTokenBytes: number,
): void {
  const least = minTokens(text, maxTokenBytes);
  if (least + maxTokens <= context) return;
  throw new DeliberateError(
    "context_overflow",
    `the prompt (${Buffer.byteLength(text, "utf8")} bytes, so at least ${least} tokens)` +
      `${maxTokens ? ` plus max tokens (${maxTokens})` : ""} exceeds the model's context of ${context} tokens; ` +
      "shorten the messages",
    { param: "messages" },
  );
}
