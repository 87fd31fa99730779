/**
 * The wire protocol (README, Using it): one zod schema per message, and the TypeScript types
 * inferred from them. The server, the RunPod worker and /docs all derive from these.
 */
import { z } from "zod";

export const EFFORTS = ["none", "low", "medium", "high"] as const;
export const ThinkingEffort = z.enum(EFFORTS);
export type ThinkingEffort = z.infer<typeof ThinkingEffort>;

export const STEPS = ["think", "draft", "reflect", "final"] as const;
export const StepName = z.enum(STEPS);
/** A pipeline step: its one definition. */
export type PipelineStep = z.infer<typeof StepName>;

export const ChatMessage = z.strictObject({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** Exactly one key must be set; core/constraints checks that and each value's shape. */
export const StructuredOutputs = z.strictObject({
  json: z.record(z.string(), z.unknown()).optional(),
  regex: z.string().optional(),
  choice: z.array(z.string()).optional(),
  grammar: z.string().optional(),
});
export type StructuredOutputs = z.infer<typeof StructuredOutputs>;

export const CompletionRequest = z
  .strictObject({
    messages: z.array(ChatMessage).min(1).optional(),
    prompt: z.string().min(1).optional(),
    thinking_effort: ThinkingEffort.default("low"),
    structured_outputs: StructuredOutputs.optional(),
    max_answer_tokens: z.int().min(1).max(1_000_000).optional(),
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().gt(0).max(1).optional(),
    top_k: z.int().min(-1).optional(),
    min_p: z.number().min(0).max(1).optional(),
    seed: z
      .int()
      .min(0)
      .max(2 ** 53 - 1)
      .optional(),
    stream: z.boolean().default(false),
    include_thinking: z.boolean().default(false),
    /** false skips the draft and the reflection: think, then the constrained final answer. */
    reflection: z.boolean().default(true),
  })
  .superRefine((value, ctx) => {
    if ((value.messages === undefined) === (value.prompt === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["messages"],
        message: "give exactly one of `messages` or `prompt`",
      });
    }
  });
/** The request as parsed (defaults applied). */
export type CompletionRequest = z.infer<typeof CompletionRequest>;
/** The request as a client writes it. */
export type CompletionRequestInput = z.input<typeof CompletionRequest>;

export const FinishReason = z.enum(["stop", "length", "abort"]);
export type FinishReason = z.infer<typeof FinishReason>;

export const StepFigures = z.object({
  step: StepName,
  prompt_tokens: z.int(),
  completion_tokens: z.int(),
  cached_tokens: z.int().nullable(),
  finish_reason: FinishReason,
  ms: z.number(),
});
export type StepFigures = z.infer<typeof StepFigures>;

export const Usage = z.object({
  prompt_tokens: z.int(),
  completion_tokens: z.int(),
  thinking_tokens: z.int(),
  cached_tokens: z.int(),
  total_tokens: z.int(),
});
export type Usage = z.infer<typeof Usage>;

export const ConstraintKind = z.enum(["json", "regex", "choice", "grammar", "none"]);
export type ConstraintKind = z.infer<typeof ConstraintKind>;

export const CompletionResult = z.object({
  output: z.unknown(),
  text: z.string(),
  valid: z.literal(true),
  /** How the answer was checked: grammar answers are taken as the engine produced them. */
  validation: z.object({ kind: ConstraintKind, checked: z.boolean() }),
  draft: z.string().nullable(),
  thinking: z.object({ think: z.string(), reflect: z.string().nullable() }).optional(),
  effort: ThinkingEffort,
  steps: z.array(StepFigures),
  usage: Usage,
  model: z.string(),
  job_id: z.string(),
  cached: z.boolean(),
  /** Things about the constraint worth knowing that did not stop it (e.g. unknown schema keywords). */
  warnings: z.array(z.string()).optional(),
});
export type CompletionResult = z.infer<typeof CompletionResult>;

export const ErrorBody = z.object({
  type: z.string(),
  code: z.string(),
  message: z.string(),
  param: z.string().optional(),
  step: StepName.optional(),
  /** constraint_violation: the answer that broke the constraint, truncated to 4 KB. */
  output: z.string().optional(),
});
export const ErrorEnvelope = z.object({ error: ErrorBody });
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

// ---- WebSocket /ws/completions -------------------------------------------------------------

const ClientId = z.string().min(1).max(128);

export const CompletionCreateMessage = z.strictObject({
  type: z.literal("completion.create"),
  id: ClientId,
  request: z.unknown(), // parsed separately so that a bad request is answered with its own id
});
export const CompletionCancelMessage = z.strictObject({
  type: z.literal("completion.cancel"),
  id: ClientId,
});
export const PingMessage = z.strictObject({ type: z.literal("ping") });
export const ClientMessage = z.discriminatedUnion("type", [
  CompletionCreateMessage,
  CompletionCancelMessage,
  PingMessage,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export const QueuedMessage = z.object({
  type: z.literal("completion.queued"),
  id: z.string(),
  job_id: z.string(),
  position: z.int(),
});
export const StepMessage = z.object({
  type: z.literal("completion.step"),
  id: z.string(),
  step: StepName,
  status: z.enum(["started", "completed"]),
  /** The step's figures, once it has completed. */
  ...StepFigures.omit({ step: true }).partial().shape,
});
export const DeltaMessage = z.object({
  type: z.literal("completion.delta"),
  id: z.string(),
  step: StepName,
  text: z.string(),
});
export const ResultMessage = z.object({
  type: z.literal("completion.result"),
  id: z.string(),
  result: CompletionResult,
});
export const ErrorMessage = z.object({
  type: z.literal("error"),
  id: z.string().optional(),
  error: ErrorBody,
});
export const PongMessage = z.object({ type: z.literal("pong") });
/** What a streaming request receives as it runs: over the WebSocket and as RunPod stream items. */
export const StreamMessage = z.discriminatedUnion("type", [StepMessage, DeltaMessage]);
export type StreamMessage = z.infer<typeof StreamMessage>;
export const ServerMessage = z.discriminatedUnion("type", [
  QueuedMessage,
  StepMessage,
  DeltaMessage,
  ResultMessage,
  ErrorMessage,
  PongMessage,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** What the pipeline reports as it runs; `streamMessage` puts it on the wire. */
export type PipelineEvent =
  | { type: "step"; step: PipelineStep; status: "started" }
  | ({ type: "step"; status: "completed" } & StepFigures)
  | { type: "delta"; step: PipelineStep; text: string };

/** The one builder of `completion.step` / `completion.delta` messages: `id` is the client's id or the job id. */
export function streamMessage(id: string, event: PipelineEvent): StreamMessage {
  if (event.type === "delta") return { type: "completion.delta", id, step: event.step, text: event.text };
  const { type: _type, ...figures } = event;
  return { type: "completion.step", id, ...figures };
}

// ---- Embeddings (OpenAI's shape) -----------------------------------------------------------

export const EmbeddingsRequest = z.strictObject({
  input: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(2048)]),
  model: z.string().optional(),
  encoding_format: z.enum(["float", "base64"]).default("float"),
  dimensions: z.int().min(1).optional(),
  user: z.string().optional(),
});
export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequest>;

export const EmbeddingsResponse = z.object({
  object: z.literal("list"),
  model: z.string(),
  data: z.array(
    z.object({
      object: z.literal("embedding"),
      index: z.int(),
      embedding: z.union([z.array(z.number()), z.string()]),
    }),
  ),
  usage: z.object({ prompt_tokens: z.int(), total_tokens: z.int() }),
});
export type EmbeddingsResponse = z.infer<typeof EmbeddingsResponse>;
