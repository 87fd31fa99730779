/**
 * A worker process for the SIGTERM test: runWorkerMain with the embedded engine on the generated
 * demo model (ORCH_MODEL_CACHE_DIR holds it), exactly as main.ts runs it but without a vLLM choice.
 */
import { createLlamaCppEngine } from "../../../core/engines/llamacpp/index.js";
import { runWorkerMain } from "../worker-process.js";

const code = await runWorkerMain(process.env, {
  createEngine: (config) =>
    createLlamaCppEngine({
      model: "demo",
      ...(config.modelCacheDir ? { cacheDir: config.modelCacheDir } : {}),
      concurrency: config.maxConcurrency,
    }),
  timings: { minPollIntervalMs: 10, errorDelayMs: 10, readyPollMs: 20 },
});
process.exit(code);
