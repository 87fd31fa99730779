/**
 * The one place the server entry chooses its engine: vLLM when VLLM_URL is set, else the embedded
 * llama.cpp engine. (The lead's handlers/shared/engine-from-config.ts is meant to replace this.)
 */
import type { Config } from "../../core/config.js";
import type { Engine } from "../../core/engine.js";
import { createLlamaCppEngine } from "../../core/engines/llamacpp/index.js";
import { createVllmEngine } from "../../core/engines/vllm.js";
import type { Logger } from "../shared/logger.js";

export async function makeEngine(config: Config, log: Logger): Promise<Engine> {
  if (config.vllm) {
    const engine = createVllmEngine({
      baseUrl: config.vllm.url,
      model: config.modelName ?? "",
      ...(config.vllm.embeddingsUrl ? { embeddingsUrl: config.vllm.embeddingsUrl } : {}),
      ...(config.vllm.apiKey ? { apiKey: config.vllm.apiKey } : {}),
      logger: (level, msg, fields) => log[level](fields ?? {}, msg),
    });
    // Serve /health at once; /ready turns true when vLLM has loaded and passed its canary.
    engine.waitUntilReady().then(
      (info) => log.info({ model: info.model, max_model_len: info.maxModelLen }, "vLLM ready"),
      (err: unknown) => log.error({ err }, "vLLM failed its start-up checks"),
    );
    return engine;
  }
  return createLlamaCppEngine({
    ...(config.embeddedModel ? { model: config.embeddedModel } : {}),
    ...(config.hfToken ? { hfToken: config.hfToken } : {}),
    ...(config.modelCacheDir ? { cacheDir: config.modelCacheDir } : {}),
    concurrency: config.maxConcurrency,
    onLog: (level, msg) => log[level](msg),
  });
}
