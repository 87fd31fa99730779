/**
 * Token-id prompts (issue 15, goal 5): steps 2–4 are sent as the ids vLLM itself reported for the
 * earlier calls plus the fixed suffixes tokenized alone, so no junction is re-tokenized differently
 * and the prefix cache covers the whole earlier sequence.
 *
 * What vLLM's source says (vllm-project/vllm; README, "vLLM"):
 * - CompletionRequest.prompt accepts `list[int]` (one prompt of token ids) besides text
 *   (vllm/entrypoints/openai/protocol.py, and since the split vllm/entrypoints/openai/completion/protocol.py).
 * - `return_token_ids: bool | None` on CompletionRequest (PR #22587, merged August 2025, so in every
 *   release from 0.10.2, the project's minimum 0.11.0 included; an older server drops the field
 *   and returns no ids). The answer then carries `prompt_token_ids` and `token_ids` on each choice
 *   (vllm/entrypoints/openai/serving_completion.py, request_output_to_completion_response); streamed,
 *   `prompt_token_ids` comes with the first chunk of a choice and each chunk's `token_ids` are its
 *   delta. usage.completion_tokens is len(token_ids) and prompt_tokens len(prompt_token_ids).
 * - Stops (vllm/v1/engine/detokenizer.py `update`, vllm/v1/engine/output_processor.py
 *   `process_outputs`): a stop token (EOS, or one of stop_token_ids) is left out of the text but
 *   appended to token_ids; stop_reason is null for EOS, the token id for stop_token_ids. A stop
 *   STRING truncates the text only: the tokens that produced it stay in token_ids (and with
 *   several tokens per step, e.g. speculative decoding, tokens after it too); stop_reason is the
 *   string. finish_reason "length": the text is all of token_ids (a multi-byte character cut
 *   at the end stays out of the text; its ids are still what vLLM computed, so sending them is right).
 * So the generated ids are used only where they make the returned text exactly: `length`; `stop`
 * by a stop token (the last id dropped); `stop` by a stop string whose own ids, tokenized alone,
 * are exactly the last ids (dropped). Anything else falls back to sending text.
 */
import { LRUCache } from "lru-cache";
import type { CompletionCall, CompletionOutput } from "../../engine.js";

/** The ids a completion answer carried, before we know they match its text. */
export interface ReturnedIds {
  prompt: number[];
  generated: number[];
  finish: string;
  stopReason: string | number | null;
}

/** Tokenizes fixed text (the pipeline's suffixes, stop strings) once each; bounded. */
export class FixedTokens {
  private readonly cache = new LRUCache<string, Promise<number[] | undefined>>({ max: 64 });

  constructor(private readonly tokenize: (text: string) => Promise<number[]>) {}

  /** The text's ids, tokenized alone; undefined when tokenizing failed (the caller sends text). */
  ids(text: string): Promise<number[] | undefined> {
    let ids = this.cache.get(text);
    if (!ids) {
      ids = this.tokenize(text).catch(() => {
        // Not cached: a later call may try again.
        this.cache.delete(text);
        return undefined;
      });
      this.cache.set(text, ids);
    }
    return ids;
  }

  /** The ids to send for a call with pieces, or undefined to send its text. */
  async promptIds(call: CompletionCall): Promise<number[] | undefined> {
    const pieces = call.pieces;
    if (!pieces || pieces.length === 0) return undefined;
    let length = 0;
    for (const piece of pieces) length += piece.text.length;
    if (length !== call.prompt.length) return undefined;
    const out: number[] = [];
    for (const piece of pieces) {
      const ids = piece.tokens ?? (await this.ids(piece.text));
      if (!ids) return undefined;
      for (const id of ids) out.push(id);
    }
    return out;
  }

  /** The returned ids as CompletionOutput.tokens, where the generated ones make the text exactly. */
  async exact(ids: ReturnedIds | undefined): Promise<CompletionOutput["tokens"]> {
    if (!ids) return undefined;
    const { prompt, generated, finish, stopReason } = ids;
    if (finish === "length") return { prompt, generated };
    if (finish !== "stop") return undefined;
    if (typeof stopReason !== "string") {
      return generated.length > 0 ? { prompt, generated: generated.slice(0, -1) } : undefined;
    }
    const stop = await this.ids(stopReason);
    if (!stop || stop.length === 0 || stop.length > generated.length) return undefined;
    const at = generated.length - stop.length;
    for (let i = 0; i < stop.length; i++) if (generated[at + i] !== stop[i]) return undefined;
    return { prompt, generated: generated.slice(0, at) };
  }
}
