/**
 * Strict request schemas listing vLLM's real request fields.
 * Real vLLM accepts and silently drops unknown keys; the stand-in rejects them instead, so a
 * misspelt or removed field (guided_*!) fails a test rather than a production constraint.
 */
import { z } from "zod";

const int = z.int();
const num = z.number();
const tokenIds = z.array(z.int().min(0));

/** StructuredOutputsParams: exactly one constraint key, plus the optional whitespace knobs. */
export const CONSTRAINT_KEYS = [
  "json",
  "regex",
  "choice",
  "grammar",
  "json_object",
  "structural_tag",
] as const;

export const StructuredOutputsBody = z
  .strictObject({
    json: z.union([z.record(z.string(), z.unknown()), z.string()]).optional(),
    regex: z.string().optional(),
    choice: z.array(z.string()).min(1).optional(),
    grammar: z.string().min(1).optional(),
    json_object: z.boolean().optional(),
    structural_tag: z.string().optional(),
    disable_any_whitespace: z.boolean().optional(),
    disable_additional_properties: z.boolean().optional(),
    whitespace_pattern: z.string().optional(),
  })
  .superRefine((value, ctx) => {
    const set = CONSTRAINT_KEYS.filter((k) => value[k] !== undefined && value[k] !== null);
    if (set.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: `structured_outputs must set exactly one of ${CONSTRAINT_KEYS.join(", ")}; got ${set.length}`,
      });
    }
  });

export type StructuredOutputsBody = z.infer<typeof StructuredOutputsBody>;

export const CompletionBody = z
  .strictObject({
    model: z.string().nullable().optional(),
    prompt: z.union([z.string(), z.array(z.string()), tokenIds, z.array(tokenIds)]),
    max_tokens: int.min(0).nullable().optional(),
    temperature: num.nullable().optional(),
    top_p: num.nullable().optional(),
    top_k: int.nullable().optional(),
    min_p: num.nullable().optional(),
    repetition_penalty: num.nullable().optional(),
    presence_penalty: num.min(-2).max(2).nullable().optional(),
    frequency_penalty: num.min(-2).max(2).nullable().optional(),
    seed: int.nullable().optional(),
    n: int.min(1).optional(),
    stop: z
      .union([z.string(), z.array(z.string())])
      .nullable()
      .optional(),
    stop_token_ids: z.array(int).nullable().optional(),
    ignore_eos: z.boolean().optional(),
    min_tokens: int.min(0).optional(),
    skip_special_tokens: z.boolean().optional(),
    spaces_between_special_tokens: z.boolean().optional(),
    logprobs: int.nullable().optional(),
    prompt_logprobs: int.nullable().optional(),
    echo: z.boolean().nullable().optional(),
    stream: z.boolean().nullable().optional(),
    stream_options: z
      .strictObject({ include_usage: z.boolean().optional(), continuous_usage_stats: z.boolean().optional() })
      .nullable()
      .optional(),
    logit_bias: z.record(z.string(), num).nullable().optional(),
    allowed_token_ids: z.array(int).nullable().optional(),
    bad_words: z.array(z.string()).optional(),
    truncate_prompt_tokens: int.min(-1).nullable().optional(),
    add_special_tokens: z.boolean().optional(),
    use_beam_search: z.boolean().optional(),
    length_penalty: num.optional(),
    response_format: z.record(z.string(), z.unknown()).nullable().optional(),
    structured_outputs: StructuredOutputsBody.nullable().optional(),
    priority: int.optional(),
    request_id: z.string().optional(),
    cache_salt: z.string().min(1).nullable().optional(),
    return_token_ids: z.boolean().nullable().optional(),
    return_tokens_as_token_ids: z.boolean().nullable().optional(),
    vllm_xargs: z.record(z.string(), z.unknown()).nullable().optional(),
    repetition_detection: z
      .strictObject({ max_pattern_size: int, min_pattern_size: int, min_count: int })
      .nullable()
      .optional(),
    thinking_token_budget: int.min(-1).nullable().optional(),
    user: z.string().nullable().optional(),
  })
  .superRefine((value, ctx) => {
    if (value.stream_options && !value.stream) {
      ctx.addIssue({
        code: "custom",
        path: ["stream_options"],
        message: "Stream options can only be defined when `stream=True`.",
      });
    }
    if (value.structured_outputs && value.response_format) {
      ctx.addIssue({
        code: "custom",
        path: ["response_format"],
        message: "send structured_outputs or response_format, not both",
      });
    }
    if (value.prompt === "") {
      ctx.addIssue({
        code: "custom",
        path: ["prompt"],
        message: "Either prompt or prompt_embeds must be provided and non-empty.",
      });
    }
  });
export type CompletionBody = z.infer<typeof CompletionBody>;
/** A completion body as our client sends it (and as the stand-in serves it): one string prompt. */
export type TextCompletionBody = Omit<CompletionBody, "prompt"> & { prompt: string };

export const EmbeddingsBody = z.strictObject({
  input: z.union([z.string(), z.array(z.string()).min(1), tokenIds, z.array(tokenIds)]),
  model: z.string().nullable().optional(),
  encoding_format: z.enum(["float", "base64"]).optional(),
  embed_dtype: z.string().optional(),
  endianness: z.string().optional(),
  dimensions: int.min(1).nullable().optional(),
  truncate_prompt_tokens: int.min(-1).nullable().optional(),
  // `normalize` was removed (vLLM answers it with a 400, see pooling.ts); this replaced it.
  use_activation: z.boolean().nullable().optional(),
  add_special_tokens: z.boolean().optional(),
  user: z.string().nullable().optional(),
  request_id: z.string().optional(),
  priority: int.optional(),
});
export type EmbeddingsBody = z.infer<typeof EmbeddingsBody>;

export const TokenizeBody = z.union([
  z.strictObject({
    model: z.string().nullable().optional(),
    prompt: z.string(),
    add_special_tokens: z.boolean().optional(),
    return_token_strs: z.boolean().nullable().optional(),
  }),
  z.strictObject({
    model: z.string().nullable().optional(),
    messages: z.array(z.record(z.string(), z.unknown())),
    add_generation_prompt: z.boolean().optional(),
    continue_final_message: z.boolean().optional(),
    add_special_tokens: z.boolean().optional(),
    return_token_strs: z.boolean().nullable().optional(),
    chat_template_kwargs: z.record(z.string(), z.unknown()).nullable().optional(),
    tools: z.array(z.unknown()).nullable().optional(),
  }),
]);
export type TokenizeBody = z.infer<typeof TokenizeBody>;

/** Describes why a body failed, naming guided_* keys specifically (the silent-ignore hazard). */
export function describeViolation(body: unknown, error: z.ZodError): string {
  if (body && typeof body === "object") {
    const guided = Object.keys(body).filter((k) => k.startsWith("guided_"));
    if (guided.length > 0) return `removed guided_* field(s) sent: ${guided.join(", ")}`;
  }
  return error.issues
    .slice(0, 10)
    .map((i) => {
      const keys = "keys" in i && Array.isArray(i.keys) ? ` ${i.keys.join(", ")}` : "";
      return `${["body", ...i.path.map(String)].join(".")}: ${i.message}${keys}`;
    })
    .join("; ");
}
