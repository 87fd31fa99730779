/**
 * A worker process for the SIGTERM test: the worker's entry with the embedded engine on the
 * generated demo model (ORCH_MODEL_CACHE_DIR holds it), exactly as main.ts runs it but without a
 * vLLM choice, and with short poll intervals.
 */
import { createLlamaCppEngine } from "../../../core/engines/llamacpp/index.js";
import { runWorkerProcess } from "../../../handlers/runpod/worker-process.js";

await runWorkerProcess(process.env, {
  createEngine: (config) =>
    createLlamaCppEngine({
      model: "demo",
      ...(config.modelCacheDir ? { cacheDir: config.modelCacheDir } : {}),
      concurrency: config.maxConcurrency,
    }),
  timings: { minPollIntervalMs: 10, errorDelayMs: 10, readyPollMs: 20 },
});
