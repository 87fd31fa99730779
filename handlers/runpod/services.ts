/**
 * JobServices for the worker and the local API. The normal wiring is core's CompletionService
 * (queue, cache, deadline, drain); createDirectServices runs the pipeline straight on an engine,
 * for tests that need nothing else.
 */
import type { CompletionService } from "../../core/completion-service.js";
import type { EffortBudgets } from "../../core/effort.js";
import type { Engine } from "../../core/engine.js";
import { runPipeline } from "../../core/pipeline.js";
import { embed } from "../shared/embeddings.js";
import type { JobServices } from "./job-handler.js";

/**
 * Completions through the service (labelled transport "runpod"), embeddings on its engine. The
 * result's `job_id` is the RunPod job id: that is the id a RunPod client knows the job by.
 */
export function createServiceJobServices(service: CompletionService): JobServices {
  return {
    complete: (request, { jobId, signal, onEvent, partialText }) =>
      service.submit(request, {
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

export interface DirectServicesOptions {
  engine: Engine;
  budgets: EffortBudgets;
  answerCap: number;
}

export function createDirectServices(options: DirectServicesOptions): JobServices {
  const { engine } = options;
  return {
    complete: (request, { jobId, signal, onEvent, partialText }) =>
      runPipeline(request, {
        engine,
        budgets: options.budgets,
        answerCap: options.answerCap,
        jobId,
        signal,
        ...(onEvent ? { onEvent } : {}),
        ...(partialText ? { partialText } : {}),
      }),
    embed: (request, signal) => embed(engine, request, signal),
    model: () => engine.modelInfo().model,
  };
}
