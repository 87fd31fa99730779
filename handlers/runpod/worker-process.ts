/**
 * The worker process around RunPodWorker: parse the environment once, build the engine and the
 * completion service, take jobs once the engine is ready, and on SIGTERM/SIGINT finish the running
 * jobs for up to ORCH_DRAIN_S (then, or on a second signal, they are aborted and reported failed),
 * close the engine and exit 0. main.ts supplies the engine
 * factory; tests supply their own.
 */
import { randomBytes } from "node:crypto";
import { CompletionService } from "../../core/completion-service.js";
import { serviceLimits } from "../shared/service-limits.js";
import { type Config, ConfigError, parseConfig } from "../shared/config.js";
import type { Engine } from "../../core/engine.js";
import { createLogger, type Logger } from "../shared/logger.js";
import { createRequestLog } from "../shared/request-log.js";
import { createServiceJobServices } from "./services.js";
import { RunPodWorker } from "./worker.js";
import { parseWorkerConfig, WorkerConfigError, type WorkerTimings } from "./worker-config.js";

export interface WorkerMainDeps {
  createEngine: (config: Config, log: Logger) => Promise<Engine>;
  timings?: Partial<WorkerTimings>;
  /** Where logs go (default stdout). */
  log?: Logger;
}

/** Runs the worker until a signal ends it; resolves with the process exit code. */
export async function runWorkerMain(
  env: Record<string, string | undefined>,
  deps: WorkerMainDeps,
): Promise<number> {
  let config: Config;
  let workerConfig: ReturnType<typeof parseWorkerConfig>;
  try {
    config = parseConfig(env);
    workerConfig = parseWorkerConfig(env, config.maxConcurrency, deps.timings);
    if (config.requestLogs.enabled && !config.encryptionKey) {
      throw new ConfigError([
        "ORCH_ENCRYPTION_KEY: required with ORCH_ENABLE_REQUEST_LOGS (logs sealed under a throw-away key could never be read)",
      ]);
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof WorkerConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const log = (deps.log ?? createLogger(config.logLevel)).child({
    worker: workerConfig.podId,
    host: workerConfig.hostname,
    ...(workerConfig.endpointId ? { endpoint: workerConfig.endpointId } : {}),
  });

  let worker: RunPodWorker | undefined;
  let signals = 0;
  let drainTimer: NodeJS.Timeout | undefined;
  const onSignal = (name: string) => {
    signals++;
    if (signals === 1) {
      log.info({ signal: name, drainMs: config.drainMs }, "finishing running jobs, then exiting");
      // ORCH_DRAIN_S bounds the wait: jobs still running then fail with shutting_down (reported to
      // RunPod) rather than being cut off silently when the platform's grace period ends.
      drainTimer = setTimeout(() => {
        log.warn("drain deadline passed: aborting running jobs");
        worker?.shutdown(true);
      }, config.drainMs);
      drainTimer.unref();
    } else {
      log.info({ signal: name }, "aborting running jobs");
    }
    worker?.shutdown(signals > 1);
  };
  const sigterm = () => onSignal("SIGTERM");
  const sigint = () => onSignal("SIGINT");
  process.on("SIGTERM", sigterm);
  process.on("SIGINT", sigint);

  try {
    const engine = await deps.createEngine(config, log);
    // An ephemeral key only seals payloads held in memory; request logs require a real one (above).
    const sealKey = config.encryptionKey ?? randomBytes(32);
    const requestLog = config.requestLogs.enabled
      ? createRequestLog(config.requestLogs.path, sealKey)
      : undefined;
    const service = new CompletionService({
      engine,
      ...serviceLimits(config),
      sealKey,
      onSettled: (r) => {
        log.info({ jobId: r.jobId, outcome: r.outcome, cached: r.cached, ms: r.ms }, "job settled");
        requestLog?.write(r, "runpod");
      },
    });
    worker = new RunPodWorker({
      config: workerConfig,
      services: createServiceJobServices(service),
      log,
      isReady: async (signal) => (await engine.health(signal)).ready,
    });
    log.info(
      {
        concurrency: workerConfig.concurrency,
        heartbeat: workerConfig.pingUrl !== undefined,
        engine: engine.kind,
      },
      "RunPod worker starting",
    );
    if (signals > 0) worker.shutdown(signals > 1); // a signal arrived while the engine was loading
    await worker.run();
    await service.drain(0);
    await requestLog?.close();
    await engine.close?.();
    log.info("RunPod worker exited");
    return 0;
  } finally {
    clearTimeout(drainTimer);
    process.off("SIGTERM", sigterm);
    process.off("SIGINT", sigint);
  }
}
