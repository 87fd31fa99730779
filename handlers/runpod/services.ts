/**
 * JobServices for the worker and the local API: core's CompletionService (queue, cache, deadline,
 * drain), the same in production and in tests.
 */
import type { CompletionService } from "../../core/completion-service.js";
import { embed } from "../shared/embeddings.js";
import type { JobServices } from "./job-handler.js";

/**
 * Completions through the service (labelled transport "runpod"), embeddings on its engine. The
 * result's `job_id` is the RunPod job id: that is the id a RunPod client knows the job by.
 */
export function createServiceJobServices(service: CompletionService): JobServices {
  return {
    complete: (request, { jobId, signal, onEvent, partialText }) =>
      service.submitParsed(request, {
        signal,
        transport: "runpod",
        jobId,
        ...(onEvent ? { onEvent } : {}),
        ...(partialText ? { partialText } : {}),
      }),
    embed: (request, signal) => embed(service.engine, request, signal),
    model: () => service.engine.modelInfo().model,
  };
}
