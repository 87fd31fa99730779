/**
 * The CompletionService tests run the handlers over: the production class over any engine (the
 * ScriptedEngine, the demo engine), with test-sized limits and no result cache.
 */
import { randomBytes } from "node:crypto";
import { CompletionService, type CompletionServiceOptions } from "../../core/completion-service.js";
import { DEFAULT_BUDGETS } from "../../core/effort.js";
import type { Engine } from "../../core/engine.js";

export function testService(
  engine: Engine,
  options: Partial<Omit<CompletionServiceOptions, "engine">> = {},
): CompletionService {
  return new CompletionService({
    engine,
    budgets: DEFAULT_BUDGETS,
    answerCap: 256,
    maxConcurrency: 4,
    maxQueue: 64,
    requestTimeoutMs: 120_000,
    cache: { ttlMs: 0, maxEntries: 0 },
    sealKey: randomBytes(32),
    ...options,
  });
}
