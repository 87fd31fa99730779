/**
 * One job, start to finish, independent of transport: parse the input, run the completion or the
 * embeddings call, report the outcome. Both the worker loop and the local test API use it.
 */
import { type DeliberateError, toDeliberateError } from "../../core/errors.js";
import {
  type CompletionRequest,
  type CompletionResult,
  type EmbeddingsRequest,
  type EmbeddingsResponse,
  type PipelineEvent,
  type StreamMessage,
  streamMessage,
} from "../../core/protocol.js";
import { parseJobInput } from "./job-input.js";
import { openAiFailureBody, runOpenAiJob } from "./openai-job.js";

/** What a job needs from the rest of Deliberate; main.ts wires the real ones. */
export interface JobServices {
  complete(
    request: CompletionRequest,
    options: {
      jobId: string;
      signal: AbortSignal;
      onEvent?: (event: PipelineEvent) => void;
      /** A free-text answer cut by its cap comes back with finish `length` (OpenAI routes). */
      partialText?: boolean;
    },
  ): Promise<CompletionResult>;
  embed(request: EmbeddingsRequest, signal: AbortSignal): Promise<EmbeddingsResponse>;
  /** The served model's name (engine.modelInfo().model), for the OpenAI routes. */
  model(): string;
}

/**
 * A streamed item: the WebSocket's `completion.step` / `completion.delta` message (`id` = the job id),
 * or, for an `openai_route` job, one SSE event as text (`data: {...}

`), as worker-vllm streams.
 */
export type StreamItem = StreamMessage | string;

export interface JobContext {
  jobId: string;
  signal: AbortSignal;
  /** Called with each streamed item (the WebSocket's message, `id` = the job id) when the request asked to stream. */
  onStream?: (item: StreamItem) => void;
}

export type JobOutcome =
  | { status: "completed"; output: unknown; streamed: boolean }
  | { status: "failed"; error: DeliberateError; streamed: boolean; openai?: boolean };

export async function runJob(
  input: unknown,
  context: JobContext,
  services: JobServices,
): Promise<JobOutcome> {
  let streamed = false;
  try {
    const parsed = parseJobInput(input);
    if (parsed.kind === "openai" || parsed.kind === "openai-models") {
      return await runOpenAiJob(parsed, context, services);
    }
    if (parsed.kind === "embeddings") {
      return { status: "completed", output: await services.embed(parsed.request, context.signal), streamed };
    }
    const wantsStream = parsed.request.stream && context.onStream !== undefined;
    streamed = wantsStream;
    const onStream = context.onStream;
    const result = await services.complete(parsed.request, {
      jobId: context.jobId,
      signal: context.signal,
      ...(wantsStream && onStream
        ? { onEvent: (e: PipelineEvent) => onStream(streamMessage(context.jobId, e)) }
        : {}),
    });
    return { status: "completed", output: result, streamed };
  } catch (err) {
    return { status: "failed", error: toDeliberateError(err, context.signal), streamed };
  }
}

/**
 * RunPod's error body. RunPod's `error` is a string (runpod-python sends a JSON-encoded string when a
 * handler raises), so it carries our envelope JSON-encoded: `{"error": "{\"error\":{...}}"}`.
 */
export function failureBody(error: DeliberateError): { error: string } {
  return { error: JSON.stringify(error.toEnvelope()) };
}

export function outcomeBody(outcome: JobOutcome): { output: unknown } | { error: string } {
  if (outcome.status === "completed") return { output: outcome.output };
  return outcome.openai ? openAiFailureBody(outcome.error) : failureBody(outcome.error);
}
