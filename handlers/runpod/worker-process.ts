/**
 * The worker process around RunPodWorker, on the shared start-up path (handlers/shared/entry.ts):
 * the worker's variables are parsed with the rest of the configuration, the worker takes jobs once
 * the engine is ready, and SIGTERM/SIGINT stop the taking and let the running jobs finish for up
 * to ORCH_DRAIN_S (then, or on a second signal, they are aborted and reported failed) before exit 0.
 */
import type { Config } from "../shared/config.js";
import type { Engine } from "../../core/engine.js";
import { runEntry } from "../shared/entry.js";
import type { Logger } from "../shared/logger.js";
import { RunPodWorker } from "./worker.js";
import { parseWorkerConfig, type WorkerTimings } from "./worker-config.js";

export interface WorkerProcessOptions {
  /** Default: the configured engine (vLLM or embedded). */
  createEngine?: (config: Config, log: Logger) => Promise<Engine>;
  timings?: Partial<WorkerTimings>;
}

export function runWorkerProcess(
  env: Record<string, string | undefined>,
  options: WorkerProcessOptions = {},
): Promise<void> {
  return runEntry(
    env,
    {
      transport: "runpod",
      // The worker never takes more jobs than the pipeline runs at once (ORCH_MAX_CONCURRENCY).
      parseTransport: (config) => parseWorkerConfig(env, config?.maxConcurrency ?? 1, options.timings),
      logBindings: (worker) => ({
        worker: worker.podId,
        host: worker.hostname,
        ...(worker.endpointId ? { endpoint: worker.endpointId } : {}),
      }),
      ...(options.createEngine ? { createEngine: options.createEngine } : {}),
    },
    async (runtime) => {
      const config = runtime.settings;
      const worker = new RunPodWorker({ config, service: runtime.service, log: runtime.log });
      runtime.log.info(
        { concurrency: config.concurrency, heartbeat: config.pingUrl !== undefined },
        "RunPod worker starting",
      );
      const done = worker.run();
      return { stopAccepting: () => worker.shutdown(), finish: () => done };
    },
  );
}
