/**
 * The real stack for end-to-end tests: the embedded llama.cpp engine on the generated demo model,
 * behind core's CompletionService, as JobServices.
 */
import { randomBytes } from "node:crypto";
import { CompletionService } from "../../../core/completion-service.js";
import { type DemoEngine, startDemoEngine } from "../../../core/engines/llamacpp/test-support.js";
import type { JobServices } from "../job-handler.js";
import { createServiceJobServices } from "../services.js";

export interface DemoStack {
  demo: DemoEngine;
  service: CompletionService;
  services: JobServices;
  dispose(): Promise<void>;
}

/** Small budgets keep the demo model's random thinking short. */
export async function startDemoStack(concurrency = 2): Promise<DemoStack> {
  const demo = await startDemoEngine({ concurrency });
  const service = new CompletionService({
    engine: demo.engine,
    budgets: { low: 24, medium: 48, high: 96 },
    answerCap: 48,
    maxConcurrency: concurrency,
    maxQueue: 64,
    requestTimeoutMs: 120_000,
    cache: { ttlMs: 0, maxEntries: 0 },
    sealKey: randomBytes(32),
  });
  return {
    demo,
    service,
    services: createServiceJobServices(service),
    async dispose() {
      await service.drain(0);
      await demo.dispose();
    },
  };
}
