/**
 * vLLM's request and response bodies: the only place that spells vLLM field names (the stand-in's
 * test/vllm-stand-in/schemas.ts lists the fields vLLM accepts). Every completion body is explicit: vLLM fills omitted sampling
 * fields from the model's generation_config and omitted max_tokens with 16.
 */
import { z } from "zod";
import type {
  CompletionCall,
  CompletionOutput,
  Constraint,
  EmbeddingsCall,
  EmbeddingsOutput,
} from "../../engine.js";
import { DeliberateError } from "../../errors.js";
import type { FinishReason } from "../../protocol.js";
import type { ReturnedIds } from "./token-prompts.js";

/** StructuredOutputsParams (v0.10.2+). Never the removed guided_* fields: v0.12+ ignores them silently. */
export function structuredOutputs(constraint: Constraint): Record<string, unknown> {
  switch (constraint.kind) {
    case "json":
      return { json: constraint.schema };
    case "regex":
      return { regex: constraint.pattern };
    case "choice":
      return { choice: constraint.choices };
    case "grammar":
      return { grammar: constraint.grammar };
  }
}

/**
 * skip_special_tokens stays at vLLM's default (true): Qwen3's `<think>`/`</think>` are not special
 * tokens, so they survive in `text`, while `<|im_end|>` (EOS) is dropped as it should be.
 */
export function completionBody(
  call: CompletionCall,
  model: string,
  stream: boolean,
  promptIds?: number[],
): Record<string, unknown> {
  const { sampling } = call;
  return {
    model,
    // Token ids where the pipeline's pieces resolved to them (token-prompts.ts), else the text.
    prompt: promptIds ?? call.prompt,
    max_tokens: call.maxTokens,
    temperature: sampling.temperature,
    top_p: sampling.topP,
    top_k: sampling.topK,
    min_p: sampling.minP,
    // Always explicit, as every sampling field: null is vLLM's "no seed".
    seed: sampling.seed ?? null,
    ...(call.stop && call.stop.length > 0 ? { stop: call.stop } : {}),
    ...(call.constraint ? { structured_outputs: structuredOutputs(call.constraint) } : {}),
    // prompt_token_ids and token_ids on the choice, for the next step's token prompt (token-prompts.ts).
    ...(call.returnTokens ? { return_token_ids: true } : {}),
    // stream_options with stream:false is a 400, so it travels only with stream:true.
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : { stream: false }),
  };
}

/**
 * vLLM's finish reasons onto ours. "repetition" (vLLM's repetition detector cut a degenerate loop)
 * becomes "length": the text is unfinished exactly as with a cap, so a thinking pass gets the
 * cutoff notice and a final answer is reported truncated. "error" never arrives (vLLM sends 500).
 */
export function mapFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case "stop":
      return "stop";
    case "length":
    case "repetition":
      return "length";
    case "abort":
      return "abort";
    default:
      throw new DeliberateError(
        "engine_error",
        `vLLM ended a completion with finish_reason ${JSON.stringify(reason ?? null)}`,
      );
  }
}

const Usage = z.object({
  prompt_tokens: z.int(),
  completion_tokens: z.int().nullish(),
  prompt_tokens_details: z.object({ cached_tokens: z.int().nullish() }).nullish(),
});
type Usage = z.infer<typeof Usage>;

/**
 * Token ids, checked by one loop: zod's per-element parse costs about 0.06 µs an id, a millisecond
 * for the prompt ids of a long reasoning step.
 */
const TokenIds = z.custom<number[]>(
  (value) => {
    if (!Array.isArray(value)) return false;
    for (const id of value) if (!Number.isInteger(id) || id < 0) return false;
    return true;
  },
  { message: "expected an array of token ids" },
);

const Choice = z.object({
  index: z.int(),
  text: z.string(),
  finish_reason: z.string().nullish(),
  stop_reason: z.union([z.string(), z.int()]).nullish(),
  // With return_token_ids (token-prompts.ts); streamed: prompt ids in the first chunk, generated ids per chunk.
  prompt_token_ids: TokenIds.nullish(),
  token_ids: TokenIds.nullish(),
});

const CompletionResponse = z.object({ choices: z.array(Choice).min(1), usage: Usage });
const CompletionChunk = z.object({ choices: z.array(Choice), usage: Usage.nullish() });

function unexpected(what: string, error: z.ZodError): DeliberateError {
  const where = error.issues[0] ? `${error.issues[0].path.join(".")}: ${error.issues[0].message}` : "";
  return new DeliberateError("engine_error", `vLLM sent an unexpected ${what} (${where})`);
}

/** A completion as vLLM answered it: our output, plus the raw ids for token-prompts.ts to check. */
export interface ParsedCompletion {
  output: CompletionOutput;
  ids?: ReturnedIds;
}

function parsed(
  text: string,
  finish: string | null | undefined,
  usage: Usage | undefined,
  ids: Omit<ReturnedIds, "finish"> | undefined,
): ParsedCompletion {
  const output: CompletionOutput = {
    text,
    finishReason: mapFinishReason(finish),
    promptTokens: usage?.prompt_tokens ?? 0,
    completionTokens: usage?.completion_tokens ?? 0,
    cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? null,
  };
  // Ids that do not add up to the usage counts are not trusted (an older server, a proxy between).
  const whole =
    ids !== undefined &&
    usage !== undefined &&
    ids.prompt.length === usage.prompt_tokens &&
    ids.generated.length === usage.completion_tokens;
  return whole ? { output, ids: { ...ids, finish: finish ?? "" } } : { output };
}

export function parseCompletion(json: unknown): ParsedCompletion {
  const result = CompletionResponse.safeParse(json);
  if (!result.success) throw unexpected("completion", result.error);
  const choice = result.data.choices.find((c) => c.index === 0) ?? result.data.choices[0]!;
  const ids =
    choice.prompt_token_ids && choice.token_ids
      ? {
          prompt: choice.prompt_token_ids,
          generated: choice.token_ids,
          stopReason: choice.stop_reason ?? null,
        }
      : undefined;
  return parsed(choice.text, choice.finish_reason, result.data.usage, ids);
}

/** Reassembles a streamed completion (choice 0) and passes each text delta on. */
export class StreamAccumulator {
  private text = "";
  private finish: string | null | undefined;
  private stopReason: string | number | null = null;
  private usage: Usage | undefined;
  private promptIds: number[] | undefined;
  private generatedIds: number[] = [];

  push(json: unknown, onDelta?: (text: string) => void): void {
    const parsed = CompletionChunk.safeParse(json);
    if (!parsed.success) throw unexpected("stream chunk", parsed.error);
    // The usage-only chunk has choices: []; continuous usage stats would ride on every chunk.
    if (parsed.data.usage) this.usage = parsed.data.usage;
    for (const choice of parsed.data.choices) {
      if (choice.index !== 0) continue;
      if (choice.text) {
        this.text += choice.text;
        onDelta?.(choice.text);
      }
      if (choice.prompt_token_ids) this.promptIds = choice.prompt_token_ids;
      if (choice.token_ids) for (const id of choice.token_ids) this.generatedIds.push(id);
      if (choice.finish_reason) {
        this.finish = choice.finish_reason;
        this.stopReason = choice.stop_reason ?? null;
      }
    }
  }

  result(): ParsedCompletion {
    if (!this.finish)
      throw new DeliberateError("engine_error", "vLLM's stream ended without a finish_reason");
    const ids = this.promptIds
      ? { prompt: this.promptIds, generated: this.generatedIds, stopReason: this.stopReason }
      : undefined;
    return parsed(this.text, this.finish, this.usage, ids);
  }
}

export function tokenizeBody(model: string, text: string): Record<string, unknown> {
  // Our prompts carry ChatML markers as text; the tokenizer parses them either way, and Qwen adds no BOS.
  return { model, prompt: text, add_special_tokens: false };
}

const TokenizeResponse = z.object({ count: z.int().min(0) });
const TokenizeIds = z.object({ tokens: TokenIds });

export function parseTokenCount(json: unknown): number {
  const result = TokenizeResponse.safeParse(json);
  if (!result.success) throw unexpected("tokenize answer", result.error);
  return result.data.count;
}

export function parseTokenIds(json: unknown): number[] {
  const result = TokenizeIds.safeParse(json);
  if (!result.success) throw unexpected("tokenize answer", result.error);
  return result.data.tokens;
}

export function embeddingsBody(call: EmbeddingsCall, model: string | undefined): Record<string, unknown> {
  return {
    ...(model === undefined ? {} : { model }),
    input: call.input,
    encoding_format: "float",
    ...(call.dimensions === undefined ? {} : { dimensions: call.dimensions }),
  };
}

const EmbeddingsResponse = z.object({
  model: z.string(),
  data: z.array(z.object({ index: z.int(), embedding: z.array(z.number()) })),
  usage: z.object({ prompt_tokens: z.int() }),
});

export function parseEmbeddings(json: unknown, inputs: number): EmbeddingsOutput {
  const parsed = EmbeddingsResponse.safeParse(json);
  if (!parsed.success) throw unexpected("embeddings answer", parsed.error);
  const data = [...parsed.data.data].sort((a, b) => a.index - b.index);
  if (data.length !== inputs) {
    throw new DeliberateError("engine_error", `vLLM returned ${data.length} embeddings for ${inputs} inputs`);
  }
  return {
    model: parsed.data.model,
    vectors: data.map((d) => d.embedding),
    promptTokens: parsed.data.usage.prompt_tokens,
  };
}
