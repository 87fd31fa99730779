/**
 * The one harness of the worker tests: a fresh stand-in of RunPod's job API per test, a RunPodWorker
 * on it with fast timings and a silent logger, over a real CompletionService (the scripted engine's
 * unless the test brings one), and everything stopped after the test.
 */
import { pino } from "pino";
import { afterEach, beforeEach } from "vitest";
import type { CompletionService } from "../../../core/completion-service.js";
import type { Engine } from "../../../core/engine.js";
import { RunPodWorker } from "../../../handlers/runpod/worker.js";
import { parseWorkerConfig, type WorkerTimings } from "../../../handlers/runpod/worker-config.js";
import { ScriptedEngine } from "../scripted-engine.js";
import { testService } from "../service.js";
import { JobApiStandIn, type StandInOptions } from "./job-api-stand-in.js";

export const FAST_TIMINGS: Partial<WorkerTimings> = {
  takeTimeoutMs: 10_000,
  stopPollTimeoutMs: 10_000,
  backoffMs: 30,
  minPollIntervalMs: 5,
  errorDelayMs: 5,
  readyPollMs: 5,
  postTimeoutMs: 10_000,
};

export type HarnessOptions = {
  concurrency?: number;
  env?: Record<string, string>;
  isReady?: (signal: AbortSignal) => Promise<boolean>;
  timings?: Partial<WorkerTimings>;
} & ({ engine: Engine; service?: undefined } | { service: CompletionService; engine?: undefined });

export interface Harness {
  worker: RunPodWorker;
  /** run()'s promise: resolves once the worker has shut down. */
  done: Promise<void>;
  /** shutdown(force: aborts running jobs too, so a stuck test cannot hang) and wait for run(). */
  stop(): Promise<void>;
}

export function startWorker(standIn: JobApiStandIn, options: HarnessOptions): Harness {
  const concurrency = options.concurrency ?? 1;
  const env = standIn.env({
    RUNPOD_CONCURRENCY: String(concurrency),
    RUNPOD_PING_INTERVAL: "100",
    ...options.env,
  });
  const config = parseWorkerConfig(env, 8, { ...FAST_TIMINGS, ...options.timings });
  // A service of the test's own is the test's to close; one made here is closed with the worker.
  const own = options.service ? undefined : testService(options.engine, { maxConcurrency: concurrency });
  const worker = new RunPodWorker({
    config,
    service: options.service ?? own!,
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
      await own?.drain(0);
    },
  };
}

export const JOB_API = { endpointId: "ep1", podId: "pod-7", apiKey: "rpa_KEY123" };

/** Registers the per-test stand-in and clean-up; `start` runs a worker on the current stand-in. */
export function useWorkerHarness(ids: StandInOptions = JOB_API) {
  let standIn: JobApiStandIn | undefined;
  let harness: Harness | undefined;
  beforeEach(async () => {
    standIn = await new JobApiStandIn(ids).start();
  });
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
    await standIn?.stop();
  });
  return {
    get standIn(): JobApiStandIn {
      if (!standIn) throw new Error("the stand-in starts before each test");
      return standIn;
    },
    start(options: HarnessOptions): Harness {
      harness = startWorker(this.standIn, options);
      return harness;
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

/** A ScriptedEngine whose every call waits at one gate (or its abort), then answers `text`. */
export function gatedEngine(text: string): { engine: ScriptedEngine; release: () => void } {
  const g = gate();
  const engine = new ScriptedEngine({
    fallback: async (call) => {
      await g.wait(call.signal);
      return { text };
    },
  });
  return { engine, release: g.release };
}

/** A small completion job: effort `none` makes it one engine call. */
export function completionJob(
  id: string,
  extra: Record<string, unknown> = {},
): { id: string; input: unknown } {
  return { id, input: { prompt: `job ${id}`, thinking_effort: "none", ...extra } };
}
