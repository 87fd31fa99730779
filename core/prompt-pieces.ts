/**
 * The prompts of steps 2–4 as pieces with token ids (issue 15, goal 5). Each later prompt is an
 * earlier call's sequence (its prompt and generated text) plus fixed text (prompt.ts). Tokenizing
 * that text again can split a junction (end of the thinking, then `\n</think>\n\n`) differently
 * from the tokens the model generated, and vLLM then recomputes the block holding it. With the ids
 * the engine reported for each call, an engine that takes token prompts sends exactly the tokens it
 * computed, then the fixed text tokenized alone. `pieces` is dropped as soon as a generated part's
 * ids are unknown: the engine then sends text, as it always did.
 */
import type { CompletionOutput, PromptPiece } from "./engine.js";
import { closeThinkSuffix, CUTOFF_NOTICE, DRAFT_INTRO, REFLECTION_ASK } from "./prompt.js";

export interface PiecedPrompt {
  text: string;
  pieces?: PromptPiece[];
}

/** The sequence a call leaves: its prompt and generated text, one piece with the engine's ids. */
export function sequenceOf(prompt: PiecedPrompt, output: CompletionOutput): PiecedPrompt {
  const text = prompt.text + output.text;
  const ids = output.tokens;
  return ids ? { text, pieces: [{ text, tokens: ids.prompt.concat(ids.generated) }] } : { text };
}

/** Appends fixed text, which the engine may tokenize alone (once, cached). */
export function withFixed(prompt: PiecedPrompt, fixed: string): PiecedPrompt {
  if (fixed === "") return prompt;
  const text = prompt.text + fixed;
  return prompt.pieces ? { text, pieces: [...prompt.pieces, { text: fixed }] } : { text };
}

/** Appends a call's generated text (the draft) with its generated ids. */
export function withGenerated(prompt: PiecedPrompt, output: CompletionOutput): PiecedPrompt {
  const text = prompt.text + output.text;
  return prompt.pieces && output.tokens
    ? { text, pieces: [...prompt.pieces, { text: output.text, tokens: output.tokens.generated }] }
    : { text };
}

/** A thinking pass as later prompts carry it: its sequence, plus the notice if it was cut (thinkingBlock). */
export function afterThinking(prompt: PiecedPrompt, output: CompletionOutput): PiecedPrompt {
  const sequence = sequenceOf(prompt, output);
  return output.finishReason === "length" ? withFixed(sequence, CUTOFF_NOTICE) : sequence;
}

/** closeThink, as pieces. */
export function closed(prompt: PiecedPrompt): PiecedPrompt {
  return withFixed(prompt, closeThinkSuffix(prompt.text));
}

/** The reflection prompt: the thought, then draftBlock(draft) with the draft's generated ids. */
export function withDraft(thought: PiecedPrompt, draft: CompletionOutput): PiecedPrompt {
  return withFixed(withGenerated(withFixed(thought, DRAFT_INTRO), draft), REFLECTION_ASK);
}
