/**
 * Waiting for vLLM: start-up checks run again, with backoff, while they fail in a way that can
 * heal (loading, 5xx, timeouts); a StartupFatalError, the signal or the timeout ends the wait.
 */
import type { ModelInfo } from "../../engine.js";
import { DeliberateError, toDeliberateError } from "../../errors.js";
import { retry } from "../../retry.js";
import type { VllmLogger } from "./http.js";
import { StartupFatalError } from "./startup.js";

export interface WaitOptions {
  signal?: AbortSignal;
  /** Give up after this long (default: wait forever, until the signal fires). */
  timeoutMs?: number;
  /** The longest pause between attempts while vLLM loads or recovers (default 2000). */
  intervalMs?: number;
}

export async function waitForStart(
  start: (signal?: AbortSignal) => Promise<ModelInfo>,
  options: WaitOptions & { random: () => number; logger?: VllmLogger },
): Promise<ModelInfo> {
  const { signal } = options;
  const interval = options.intervalMs ?? 2000;
  try {
    return await retry<ModelInfo>(
      async () => {
        try {
          return { value: await start(signal) };
        } catch (err) {
          const error = toDeliberateError(err, signal);
          if (signal?.aborted) throw error;
          return { error, retry: !(error instanceof StartupFatalError) };
        }
      },
      {
        attempts: Number.POSITIVE_INFINITY,
        baseDelayMs: Math.min(250, interval),
        maxDelayMs: interval,
        random: options.random,
        ...(signal ? { signal } : {}),
        ...(options.timeoutMs === undefined ? {} : { deadline: Date.now() + options.timeoutMs }),
        onRetry: ({ error, delayMs }) =>
          options.logger?.("info", "waiting for vLLM to load", { reason: (error as Error).message, delayMs }),
      },
    );
  } catch (err) {
    const error = toDeliberateError(err, signal);
    if (signal?.aborted || error instanceof StartupFatalError) throw error;
    throw new DeliberateError(
      "engine_unavailable",
      `vLLM did not become ready within ${options.timeoutMs} ms (last: ${error.message})`,
    );
  }
}
