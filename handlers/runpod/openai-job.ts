/**
 * worker-vllm's OpenAI routes as RunPod jobs (`openai_route` + `openai_input`, what RunPod sends
 * for `/openai/v1/...`), with worker-vllm's output shape. worker-vllm is a generator handler run
 * with return_aggregate_stream, so every item it yields is a job-stream item and the job's output
 * is the list of them: streamed, each SSE event as text (`data: {chunk}\n\n`, ending with
 * `data: [DONE]\n\n`); not streamed, the one response object (output `[response]`); /v1/models,
 * the model list (output `[list]`). A failed job's `error` is OpenAI's error object as a JSON string.
 */
import { parseOrInvalid } from "../../core/invalid-request.js";
import { CompletionRequest } from "../../core/protocol.js";
import { DeliberateError, toDeliberateError } from "../../core/errors.js";
import { invalidParameter, toOpenAiError } from "../server/openai/errors.js";
import { modelList, servedModels } from "../server/openai/models.js";
import { type OpenAiCall, runOpenAi, type Submit } from "../server/openai/run.js";
import { ChatCompletionRequest, TextCompletionRequest } from "../server/openai/schemas.js";
import type { JobContext, JobOutcome, JobServices, StreamItem } from "./job-handler.js";

export type OpenAiJobInput = { kind: "openai"; call: OpenAiCall } | { kind: "openai-models" };

/** The OpenAI job for a route, or undefined when the route is not one of these three. */
export function parseOpenAiRoute(route: string, body: unknown): OpenAiJobInput | undefined {
  if (route === "/v1/models") return { kind: "openai-models" };
  const schema =
    route === "/v1/chat/completions"
      ? ChatCompletionRequest
      : route === "/v1/completions"
        ? TextCompletionRequest
        : undefined;
  if (!schema) return undefined;
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const error = invalidParameter(parsed.error);
    const param = error.param ? `openai_input.${error.param}` : "openai_input";
    throw new DeliberateError("invalid_request", `openai_input: ${error.message}`, { param });
  }
  return schema === ChatCompletionRequest
    ? { kind: "openai", call: { kind: "chat", body: parsed.data as ChatCompletionRequest } }
    : { kind: "openai", call: { kind: "text", body: parsed.data as TextCompletionRequest } };
}

export function openAiFailureBody(error: DeliberateError): { error: string } {
  return { error: JSON.stringify(toOpenAiError(error).body) };
}

export async function runOpenAiJob(
  input: OpenAiJobInput,
  context: JobContext,
  services: JobServices,
): Promise<JobOutcome> {
  const items: unknown[] = [];
  const emit = (item: unknown) => {
    items.push(item);
    // A response object or an SSE string, as worker-vllm yields them.
    context.onStream?.(item as StreamItem);
  };
  const served = servedModels(services.model());
  try {
    if (input.kind === "openai-models") {
      emit(modelList(served));
      return { status: "completed", output: items, streamed: true };
    }
    const submit: Submit = (request, options) => {
      const parsed = parseOrInvalid(CompletionRequest, request);
      options.onQueued(0, context.jobId);
      return services.complete(parsed, {
        jobId: context.jobId,
        signal: options.signal,
        partialText: true,
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      });
    };
    const response = await runOpenAi(input.call, {
      submit,
      served,
      signal: context.signal,
      onChunk: (chunk) => emit(`data: ${JSON.stringify(chunk)}\n\n`),
    });
    emit(response ?? "data: [DONE]\n\n");
    return { status: "completed", output: items, streamed: true };
  } catch (err) {
    return { status: "failed", error: toDeliberateError(err, context.signal), streamed: true, openai: true };
  }
}
