/**
 * The one place an entry point chooses its engine: vLLM when VLLM_URL is set, else the embedded
 * llama.cpp engine. VLLM_EMBEDDINGS_URL, when set, serves embeddings whichever engine generates.
 */
import type { Config } from "./config.js";
import type { Engine, EmbeddingsCall } from "../../core/engine.js";
import { HostEngine } from "../../core/engines/llamacpp/host/host-engine.js";
import { createVllmEngine, type VllmEngine } from "../../core/engines/vllm/index.js";
import type { Logger } from "./logger.js";

export interface EngineOverrides {
  /** Pipelines the embedded engine runs at once (its context sequences); default ORCH_MAX_CONCURRENCY. */
  concurrency?: number;
  /** Called when vLLM fails a start-up check waiting cannot heal; default: one log line, exit 1. */
  onFatal?: (err: unknown) => void;
}

/**
 * Serving a vLLM that can never pass its checks would leave /health green and /ready red for
 * good: exit instead, so supervisord's watchdog and the platform replace the container.
 */
function exitOnFatal(log: Logger) {
  return (err: unknown) => {
    log.fatal(`vLLM cannot be used, exiting: ${err instanceof Error ? err.message : String(err)}`);
    log.flush(() => process.exit(1));
  };
}

function vllmLogger(log: Logger) {
  return (level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) =>
    log[level](fields ?? {}, msg);
}

/** An embeddings-only client of a pooling vLLM (no start-up checks: embeddings are not gated). */
function embeddingsClient(url: string, config: Config, log: Logger): VllmEngine {
  return createVllmEngine({
    baseUrl: url,
    embeddingsUrl: url,
    model: config.modelName ?? "",
    ...(config.vllm?.apiKey ? { apiKey: config.vllm.apiKey } : {}),
    logger: vllmLogger(log),
  });
}

/** Routes embeddings elsewhere and everything else to the generating engine. */
export function withEmbeddingsFrom(engine: Engine, embedder: Pick<Engine, "embeddings">): Engine {
  return {
    kind: engine.kind,
    ...(engine.prepareConstraint
      ? { prepareConstraint: (constraint, signal) => engine.prepareConstraint!(constraint, signal) }
      : {}),
    completion: (call) => engine.completion(call),
    countTokens: (text, signal) => engine.countTokens(text, signal),
    embeddings: (call: EmbeddingsCall) => embedder.embeddings(call),
    health: (signal) => engine.health(signal),
    modelInfo: () => engine.modelInfo(),
    close: async () => engine.close?.(),
  };
}

export async function createEngineFromConfig(
  config: Config,
  log: Logger,
  overrides: EngineOverrides = {},
): Promise<Engine> {
  if (config.vllm) {
    const engine = createVllmEngine({
      baseUrl: config.vllm.url,
      model: config.modelName ?? "",
      ...(config.vllm.embeddingsUrl ? { embeddingsUrl: config.vllm.embeddingsUrl } : {}),
      ...(config.vllm.apiKey ? { apiKey: config.vllm.apiKey } : {}),
      logger: vllmLogger(log),
    });
    // Serve /health at once; /ready turns true when vLLM has loaded and passed its canary.
    // Transient failures are retried until it does; only an unhealable one ends the wait.
    engine
      .waitUntilReady()
      .then(
        (info) => log.info({ model: info.model, max_model_len: info.maxModelLen }, "vLLM ready"),
        overrides.onFatal ?? exitOnFatal(log),
      );
    return engine;
  }
  // llama.cpp runs in a supervised child process: a native crash, hang or runaway allocation
  // there fails the requests it held and restarts the host, never this process.
  const { stallMs, cancelGraceMs, ...limits } = config.engineHost;
  const embedded = await HostEngine.start({
    engine: {
      ...(config.embeddedModel ? { model: config.embeddedModel } : {}),
      ...(config.hfToken ? { hfToken: config.hfToken } : {}),
      ...(config.modelCacheDir ? { cacheDir: config.modelCacheDir } : {}),
      concurrency: overrides.concurrency ?? config.maxConcurrency,
    },
    limits,
    stallMs,
    cancelGraceMs,
    log: (level, msg, fields) => log[level](fields ?? {}, msg),
  });
  return config.embeddingsUrl
    ? withEmbeddingsFrom(embedded, embeddingsClient(config.embeddingsUrl, config, log))
    : embedded;
}
