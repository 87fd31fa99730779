/**
 * JobServices straight on an Engine: the pipeline for completions, engine.embeddings for
 * embeddings. The worker already bounds how many jobs run at once, so no queue is needed here;
 * main.ts may wire core's completion service instead when it is available.
 */
import type { EffortBudgets } from "../../core/effort.js";
import type { Engine } from "../../core/engine.js";
import { DeliberateError } from "../../core/errors.js";
import { runPipeline } from "../../core/pipeline.js";
import type { EmbeddingsRequest, EmbeddingsResponse } from "../../core/protocol.js";
import type { JobServices } from "./job-handler.js";

export interface DirectServicesOptions {
  engine: Engine;
  budgets: EffortBudgets;
  answerCap: number;
  /** Per-job deadline; the job fails with `timeout` after it. */
  requestTimeoutMs?: number;
}

/** A signal that fires on `signal` or after `ms` with a `timeout` DeliberateError as its reason. */
function withDeadline(signal: AbortSignal, ms: number | undefined): AbortSignal {
  if (!ms) return signal;
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new DeliberateError("timeout", `the job exceeded its ${ms} ms deadline`)),
    ms,
  );
  timer.unref?.();
  signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
  return AbortSignal.any([signal, deadline.signal]);
}

export function createDirectServices(options: DirectServicesOptions): JobServices {
  const { engine } = options;
  return {
    complete: (request, { jobId, signal, onEvent }) =>
      runPipeline(request, {
        engine,
        budgets: options.budgets,
        answerCap: options.answerCap,
        jobId,
        signal: withDeadline(signal, options.requestTimeoutMs),
        ...(onEvent ? { onEvent } : {}),
      }),
    embed: (request, signal) => embedWith(engine, request, signal),
  };
}

/** OpenAI's embeddings response from the engine's vectors (base64 = little-endian float32, as OpenAI). */
export async function embedWith(
  engine: Engine,
  request: EmbeddingsRequest,
  signal: AbortSignal,
): Promise<EmbeddingsResponse> {
  const input = typeof request.input === "string" ? [request.input] : request.input;
  const out = await engine.embeddings({
    input,
    signal,
    ...(request.model ? { model: request.model } : {}),
    ...(request.dimensions ? { dimensions: request.dimensions } : {}),
  });
  return {
    object: "list",
    model: out.model,
    data: out.vectors.map((vector, index) => ({
      object: "embedding" as const,
      index,
      embedding:
        request.encoding_format === "base64"
          ? Buffer.from(new Float32Array(vector).buffer).toString("base64")
          : vector,
    })),
    usage: { prompt_tokens: out.promptTokens, total_tokens: out.promptTokens },
  };
}
