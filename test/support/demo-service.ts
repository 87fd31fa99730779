/**
 * The real stack for end-to-end tests: the embedded llama.cpp engine on the generated demo model,
 * behind core's CompletionService.
 */
import type { CompletionService } from "../../core/completion-service.js";
import { type DemoEngine, startDemoEngine } from "../../core/engines/llamacpp/test-support.js";
import { testService } from "./service.js";

export interface DemoStack {
  demo: DemoEngine;
  service: CompletionService;
  dispose(): Promise<void>;
}

/** Small budgets keep the demo model's random thinking short. */
export async function startDemoStack(concurrency = 2): Promise<DemoStack> {
  const demo = await startDemoEngine({ concurrency });
  const service = testService(demo.engine, {
    budgets: { low: 24, medium: 48, high: 96 },
    answerCap: 48,
    maxConcurrency: concurrency,
  });
  return {
    demo,
    service,
    async dispose() {
      await service.drain(0);
      await demo.dispose();
    },
  };
}
