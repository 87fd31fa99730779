/**
 * OpenAI's request and response shapes for /v1/chat/completions, /v1/completions and /v1/models,
 * as far as Deliberate serves them. Parameters the pipeline cannot honour are declared too, so
 * that a request using them is refused naming the parameter (unsupported.ts), never ignored.
 */
import { z } from "zod";
import { StructuredOutputs, ThinkingEffort } from "../../../core/protocol.js";

const TextPart = z.object({ type: z.literal("text"), text: z.string() });
/** Other part types are declared loosely so the mapping can refuse them by name. */
const OtherPart = z.looseObject({ type: z.string() });
export const ContentPart = z.union([TextPart, OtherPart]);

export const OpenAiMessage = z.strictObject({
  role: z.enum(["system", "developer", "user", "assistant"]),
  content: z.union([z.string(), z.array(ContentPart)]).nullable(),
  /** Accepted and dropped, as vLLM does with Qwen3's template (which has no use for it). */
  name: z.string().optional(),
});
export type OpenAiMessage = z.infer<typeof OpenAiMessage>;

export const ResponseFormat = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text") }),
  z.strictObject({ type: z.literal("json_object") }),
  z.strictObject({
    type: z.literal("json_schema"),
    json_schema: z.strictObject({
      name: z.string().min(1).max(64),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);
export type ResponseFormat = z.infer<typeof ResponseFormat>;

export const ReasoningEffort = z.enum(["none", "minimal", "low", "medium", "high"]);

const opt = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

/** Sampling, answer and transport fields shared by both generation routes. */
const common = {
  model: opt(z.string()),
  temperature: opt(z.number().min(0).max(2)),
  top_p: opt(z.number().gt(0).max(1)),
  seed: opt(
    z
      .int()
      .min(0)
      .max(2 ** 53 - 1),
  ),
  stop: opt(z.union([z.string().min(1), z.array(z.string().min(1)).max(4)])),
  stream: opt(z.boolean()),
  stream_options: opt(
    z.strictObject({ include_usage: opt(z.boolean()), include_obfuscation: opt(z.boolean()) }),
  ),
  user: opt(z.string()),
  max_tokens: opt(z.int().min(1)),
  reasoning_effort: opt(ReasoningEffort),
  response_format: opt(ResponseFormat),
  // Deliberate's own fields, accepted the way vLLM accepts its extras.
  structured_outputs: opt(StructuredOutputs),
  thinking_effort: opt(ThinkingEffort),
  top_k: opt(z.int().min(-1)),
  min_p: opt(z.number().min(0).max(1)),
  // Declared so that unsupported.ts can refuse them by name; neutral values pass.
  n: opt(z.int()),
  logprobs: opt(z.union([z.boolean(), z.int()])),
  logit_bias: opt(z.record(z.string(), z.number())),
  frequency_penalty: opt(z.number()),
  presence_penalty: opt(z.number()),
};

export const ChatCompletionRequest = z.strictObject({
  ...common,
  messages: z.array(OpenAiMessage).min(1),
  max_completion_tokens: opt(z.int().min(1)),
  metadata: opt(z.record(z.string(), z.string())),
  store: opt(z.boolean()),
  service_tier: opt(z.string()),
  prompt_cache_key: opt(z.string()),
  safety_identifier: opt(z.string()),
  tools: opt(z.array(z.unknown())),
  tool_choice: opt(z.unknown()),
  functions: opt(z.array(z.unknown())),
  function_call: opt(z.unknown()),
  parallel_tool_calls: opt(z.boolean()),
  top_logprobs: opt(z.int()),
  audio: opt(z.unknown()),
  modalities: opt(z.array(z.string())),
  prediction: opt(z.unknown()),
  web_search_options: opt(z.unknown()),
  verbosity: opt(z.string()),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

export const TextCompletionRequest = z.strictObject({
  ...common,
  prompt: z.union([z.string().min(1), z.array(z.string().min(1)).length(1), z.array(z.unknown())]),
  echo: opt(z.boolean()),
  best_of: opt(z.int()),
  suffix: opt(z.string()),
});
export type TextCompletionRequest = z.infer<typeof TextCompletionRequest>;

// ---- responses ---------------------------------------------------------------------------

export const OpenAiUsage = z.object({
  prompt_tokens: z.int(),
  completion_tokens: z.int(),
  total_tokens: z.int(),
  prompt_tokens_details: z.object({ cached_tokens: z.int() }),
  completion_tokens_details: z.object({ reasoning_tokens: z.int() }),
});
export type OpenAiUsage = z.infer<typeof OpenAiUsage>;

export const OpenAiFinishReason = z.enum(["stop", "length"]);

/** OpenAI's completion object: id, object, created, model, one choice of `choice`'s fields, usage. */
function completionObject<
  O extends string,
  C extends z.ZodRawShape,
  F extends z.ZodType,
  U extends z.ZodType,
>(object: O, choice: C, finishReason: F, usage: U) {
  return z.object({
    id: z.string(),
    object: z.literal(object),
    created: z.int(),
    model: z.string(),
    choices: z.array(
      z.object({ index: z.int(), ...choice, finish_reason: finishReason, logprobs: z.null() }),
    ),
    usage,
  });
}

export const ChatCompletion = completionObject(
  "chat.completion",
  {
    message: z.object({
      role: z.literal("assistant"),
      content: z.string(),
      reasoning_content: z.string().nullable(),
      refusal: z.null(),
    }),
  },
  OpenAiFinishReason,
  OpenAiUsage,
);
export type ChatCompletion = z.infer<typeof ChatCompletion>;

export const ChatCompletionChunk = completionObject(
  "chat.completion.chunk",
  {
    delta: z.object({
      role: z.literal("assistant").optional(),
      content: z.string().optional(),
      reasoning_content: z.string().optional(),
    }),
  },
  OpenAiFinishReason.nullable(),
  OpenAiUsage.optional(),
);
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunk>;

export const TextCompletion = completionObject(
  "text_completion",
  { text: z.string() },
  OpenAiFinishReason.nullable(),
  OpenAiUsage.optional(),
);
export type TextCompletion = z.infer<typeof TextCompletion>;

export const ModelObject = z.object({
  id: z.string(),
  object: z.literal("model"),
  created: z.int(),
  owned_by: z.string(),
});
export const ModelList = z.object({ object: z.literal("list"), data: z.array(ModelObject) });
export type ModelList = z.infer<typeof ModelList>;

export const OpenAiError = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});
export type OpenAiError = z.infer<typeof OpenAiError>;
