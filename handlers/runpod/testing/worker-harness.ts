/**
 * Test wiring: a RunPodWorker on a JobApiStandIn with fast timings and a silent logger.
 */
import { pino } from "pino";
import type { Engine } from "../../../core/engine.js";
import { DEFAULT_BUDGETS } from "../../../core/effort.js";
import type { JobServices } from "../job-handler.js";
import { createDirectServices } from "../services.js";
import { RunPodWorker } from "../worker.js";
import { parseWorkerConfig, type WorkerTimings } from "../worker-config.js";
import type { JobApiStandIn } from "./job-api-stand-in.js";

export const FAST_TIMINGS: Partial<WorkerTimings> = {
  takeTimeoutMs: 10_000,
  stopPollTimeoutMs: 10_000,
  backoffMs: 30,
  minPollIntervalMs: 5,
  errorDelayMs: 5,
  readyPollMs: 5,
  postTimeoutMs: 10_000,
};

export interface HarnessOptions {
  engine: Engine;
  concurrency?: number;
  env?: Record<string, string>;
  services?: JobServices;
  isReady?: (signal: AbortSignal) => Promise<boolean>;
  timings?: Partial<WorkerTimings>;
}

export interface Harness {
  worker: RunPodWorker;
  /** run()'s promise: resolves once the worker has shut down. */
  done: Promise<void>;
  /** shutdown(force: aborts running jobs too, so a stuck test cannot hang) and wait for run(). */
  stop(): Promise<void>;
}

export function startWorker(standIn: JobApiStandIn, options: HarnessOptions): Harness {
  const env = standIn.env({
    RUNPOD_CONCURRENCY: String(options.concurrency ?? 1),
    RUNPOD_PING_INTERVAL: "100",
    ...options.env,
  });
  const config = parseWorkerConfig(env, 8, { ...FAST_TIMINGS, ...options.timings });
  const services =
    options.services ??
    createDirectServices({ engine: options.engine, budgets: DEFAULT_BUDGETS, answerCap: 256 });
  const worker = new RunPodWorker({
    config,
    services,
    log: pino({ level: "silent" }),
    ...(options.isReady ? { isReady: options.isReady } : {}),
  });
  const done = worker.run();
  return {
    worker,
    done,
    async stop() {
      worker.shutdown(true);
      await done;
    },
  };
}

/** A deferred gate: engine calls wait on it; `release()` lets them all through. */
export function gate(): { wait: (signal?: AbortSignal) => Promise<void>; release: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    release: () => open(),
    wait: (signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
        void opened.then(resolve);
      }),
  };
}

/** A small completion job: effort `none` makes it one engine call. */
export function completionJob(
  id: string,
  extra: Record<string, unknown> = {},
): { id: string; input: unknown } {
  return { id, input: { prompt: `job ${id}`, thinking_effort: "none", ...extra } };
}
