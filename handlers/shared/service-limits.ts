/**
 * The CompletionService options that come straight from the configuration, in one place for every
 * entry point (server, RunPod worker, local RunPod API).
 */
import type { CompletionServiceOptions } from "../../core/completion-service.js";
import type { Config } from "./config.js";

export type ServiceLimits = Pick<
  CompletionServiceOptions,
  "budgets" | "answerCap" | "maxConcurrency" | "maxQueue" | "requestTimeoutMs" | "cache"
>;

export function serviceLimits(
  config: Pick<
    Config,
    "budgets" | "answerMaxTokens" | "maxConcurrency" | "maxQueue" | "requestTimeoutMs" | "cache"
  >,
): ServiceLimits {
  return {
    budgets: config.budgets,
    answerCap: config.answerMaxTokens,
    maxConcurrency: config.maxConcurrency,
    maxQueue: config.maxQueue,
    requestTimeoutMs: config.requestTimeoutMs,
    cache: config.cache,
  };
}
