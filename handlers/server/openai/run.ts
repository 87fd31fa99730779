/**
 * One OpenAI request through the pipeline, independent of transport: the server's routes and the
 * RunPod worker's `openai_route` jobs both use it. Non-streamed it returns the response object;
 * streamed it hands each chunk to `onChunk` (the first after `onAccepted`) and returns nothing.
 * Errors are thrown (DeliberateError); the transport writes them in OpenAI's shape.
 */
import type { PipelineEvent } from "../../../core/pipeline.js";
import type { CompletionRequestInput, CompletionResult } from "../../../core/protocol.js";
import { ChunkBuilder, type StreamChunk } from "./chunks.js";
import { resolveModel } from "./models.js";
import { chatCompletion, responseMeta, textCompletion } from "./responses.js";
import type {
  ChatCompletion,
  ChatCompletionRequest,
  TextCompletion,
  TextCompletionRequest,
} from "./schemas.js";
import { chatToCompletionRequest, textToCompletionRequest } from "./to-completion-request.js";

export interface SubmitOptions {
  signal: AbortSignal;
  partialText: true;
  onQueued: (position: number, jobId: string) => void;
  onEvent?: (event: PipelineEvent) => void;
}

/** The service's submit (or the RunPod job services' complete, adapted). */
export type Submit = (request: CompletionRequestInput, options: SubmitOptions) => Promise<CompletionResult>;

export type OpenAiCall =
  | { kind: "chat"; body: ChatCompletionRequest }
  | { kind: "text"; body: TextCompletionRequest };

export interface RunOpenAiOptions {
  submit: Submit;
  served: string[];
  signal: AbortSignal;
  /** Streaming only: the request was queued (or answered from the cache); chunks follow. */
  onAccepted?: () => void;
  onChunk?: (chunk: StreamChunk) => void;
}

export async function runOpenAi(
  call: OpenAiCall,
  options: RunOpenAiOptions,
): Promise<ChatCompletion | TextCompletion | undefined> {
  const { kind } = call;
  const mapped =
    call.kind === "chat" ? chatToCompletionRequest(call.body) : textToCompletionRequest(call.body);
  const model = resolveModel(mapped.model, options.served);
  const emit = (chunks: StreamChunk[]) => {
    for (const chunk of chunks) options.onChunk?.(chunk);
  };
  let builder: ChunkBuilder | undefined;
  const open = (jobId: string) => {
    builder = new ChunkBuilder(kind, responseMeta(kind, jobId, model), mapped.stop, mapped.includeUsage);
    options.onAccepted?.();
    emit(builder.start());
    return builder;
  };
  const result = await options.submit(mapped.request, {
    signal: options.signal,
    partialText: true,
    onQueued: (_position, jobId) => {
      if (mapped.stream) open(jobId);
    },
    ...(mapped.stream ? { onEvent: (event: PipelineEvent) => builder && emit(builder.onEvent(event)) } : {}),
  });
  if (mapped.stream) {
    emit((builder ?? open(result.job_id)).finish(result));
    return undefined;
  }
  const meta = responseMeta(kind, result.job_id, model);
  return kind === "chat"
    ? chatCompletion(meta, result, mapped.stop)
    : textCompletion(meta, result, mapped.stop);
}
