/**
 * Qwen3 ChatML rendering, byte for byte as Qwen3's chat template renders it, plus the pipeline's
 * own additions (cutoff notice, draft block, reflection cue). Each later prompt of a pipeline is
 * built by appending to an earlier one, never by re-rendering, so vLLM's prefix cache re-uses it.
 */
import type { ChatMessage, CompletionRequest } from "./protocol.js";

export const IM_START = "<|im_start|>";
export const IM_END = "<|im_end|>";
export const THINK_OPEN = "<think>";
export const THINK_CLOSE = "</think>";

export const ASSISTANT_PREFIX = `${IM_START}assistant\n`;
/** What the model writes after the assistant prefix when it thinks. */
export const THINK_START = `${THINK_OPEN}\n`;
/** Qwen3's `enable_thinking=false` suffix: an empty think block. */
export const EMPTY_THINK = `${THINK_OPEN}\n\n${THINK_CLOSE}\n\n`;
/** Appended to a thinking pass that ran out of budget before closing its block. */
export const CUTOFF_NOTICE = "\n\n(My thinking budget has run out, so I must stop here and answer now.)\n";
export const REFLECTION_CUE = "Wait, have I made a mistake?";
/** The draft block's fixed text before and after the draft (draftBlock). */
export const DRAFT_INTRO = "\n\nSo my draft answer is:\n";
export const REFLECTION_ASK = `\n\n${REFLECTION_CUE}`;

/** Splits an earlier assistant turn into reasoning and answer the way Qwen3's template does. */
function splitReasoning(content: string): { reasoning: string; answer: string } {
  if (!content.includes(THINK_CLOSE)) return { reasoning: "", answer: content };
  const before = content.split(THINK_CLOSE)[0]!.replace(/\n+$/, "");
  const reasoning = before.split(THINK_OPEN).pop()!.replace(/^\n+/, "");
  const answer = content.split(THINK_CLOSE).pop()!.replace(/^\n+/, "");
  return { reasoning, answer };
}

/** The template does not count a user turn that only carries a tool result as the last query. */
function isToolResponse(content: string): boolean {
  return content.startsWith("<tool_response>") && content.endsWith("</tool_response>");
}

/**
 * Renders the conversation as Qwen3's template does with add_generation_prompt, without the
 * assistant prefix. Reasoning in assistant turns before the last user turn is dropped; turns after
 * it keep their think block (the template's multi-step rule).
 */
export function renderConversation(messages: ChatMessage[]): string {
  let lastQuery = messages.length - 1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === "user" && !isToolResponse(messages[i]!.content)) {
      lastQuery = i;
      break;
    }
  }
  let out = "";
  messages.forEach((message, index) => {
    if (message.role !== "assistant") {
      out += `${IM_START}${message.role}\n${message.content}${IM_END}\n`;
      return;
    }
    const { reasoning, answer } = splitReasoning(message.content);
    const keepThink = index > lastQuery && (index === messages.length - 1 || reasoning !== "");
    out += keepThink
      ? `${IM_START}assistant\n${THINK_OPEN}\n${reasoning.replace(/^\n+|\n+$/g, "")}\n${THINK_CLOSE}\n\n${answer.replace(/^\n+/, "")}${IM_END}\n`
      : `${IM_START}assistant\n${answer}${IM_END}\n`;
  });
  return out;
}

export function requestMessages(request: Pick<CompletionRequest, "messages" | "prompt">): ChatMessage[] {
  return request.messages ?? [{ role: "user", content: request.prompt ?? "" }];
}

/** Step 1: the conversation, the assistant prefix and an open think block. */
export function thinkPrompt(messages: ChatMessage[]): string {
  return renderConversation(messages) + ASSISTANT_PREFIX + THINK_START;
}

/** `none`: the conversation and an empty think block; the answer follows at once. */
export function noThinkPrompt(messages: ChatMessage[]): string {
  return renderConversation(messages) + ASSISTANT_PREFIX + EMPTY_THINK;
}

/** A thinking pass as it goes into later prompts: the generated text, plus the notice if it was cut. */
export function thinkingBlock(generated: string, cutOff: boolean): string {
  return cutOff ? generated + CUTOFF_NOTICE : generated;
}

/** What closeThink appends: one newline (unless the prompt ends with one), `</think>`, a blank line. */
export function closeThinkSuffix(prompt: string): string {
  return `${prompt.endsWith("\n") ? "" : "\n"}${THINK_CLOSE}\n\n`;
}

/** Closes a think block the way the template writes one: one newline, `</think>`, a blank line. */
export function closeThink(prompt: string): string {
  return prompt + closeThinkSuffix(prompt);
}

/** The draft as the reflection pass re-reads it, still inside the think block. */
export function draftBlock(draft: string): string {
  return DRAFT_INTRO + draft + REFLECTION_ASK;
}
