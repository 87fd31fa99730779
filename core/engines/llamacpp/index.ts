/**
 * createLlamaCppEngine: resolves the model (path, hf: URI, default, or the demo fallback), loads it
 * with node-llama-cpp on the CPU and returns the Engine. Options come from the handler's config;
 * nothing here reads the environment.
 */
import { getLlama, type LlamaModel, LlamaLogLevel } from "node-llama-cpp";
import { TINY_CONTEXT_LENGTH } from "./demo-model/tiny-model.js";
import { DeliberateError } from "../../errors.js";
import { hiddenTextTokens } from "./hidden-tokens.js";
import { LlamaCppEngine } from "./engine.js";
import { checkGgufFile } from "./gguf-check.js";
import { type LogFn, resolveModel } from "./model-source.js";

export type { LlamaCppStats } from "./engine.js";
export { LlamaCppEngine } from "./engine.js";
export {
  DEFAULT_MODEL_URI,
  DEMO_MODEL_LABEL,
  type ModelSpec,
  parseModelSpec,
  type ResolvedModel,
} from "./model-source.js";

export interface LlamaCppEngineOptions {
  /** A .gguf path, an hf: URI, an https URL or "demo"; undefined = the default small Qwen3 model. */
  model?: string;
  hfToken?: string;
  /** Downloads and the demo model (default `.cache/models` under the working directory). */
  cacheDir?: string;
  /** Context sequences, i.e. completions that run at once (default 1). */
  concurrency?: number;
  /** Tokens per sequence (default: the demo model's 8192, else min(trained length, 4096)). */
  contextSize?: number;
  /** Never touch the network: the default model falls back to the demo model unless cached. */
  offline?: boolean;
  /** CPU threads per context. One is right on small machines (more is much slower on 2 cores). */
  threads?: number;
  /** Compiled grammars kept per engine (LRU). */
  grammarCacheSize?: number;
  /** Forbid every token whose text is not ASCII wherever the grammar allows another token. Default:
   * on for the demo model, whose random byte tokens 128–255 otherwise form invalid UTF-8 that breaks
   * string-length constraints. Text a constraint requires (choice "é") is still produced: the bias
   * is a finite -1e9, not "never" (see FORBIDDEN_LOGIT in engine.ts). */
  asciiOnly?: boolean;
  huggingFaceEndpoint?: string;
  connectTimeoutMs?: number;
  onDownloadProgress?: (downloadedBytes: number, totalBytes: number) => void;
  onLog?: LogFn;
  signal?: AbortSignal;
}

const LOG_LEVEL: Record<LlamaLogLevel, Parameters<LogFn>[0] | undefined> = {
  [LlamaLogLevel.disabled]: undefined,
  [LlamaLogLevel.fatal]: "error",
  [LlamaLogLevel.error]: "error",
  [LlamaLogLevel.warn]: "warn",
  [LlamaLogLevel.info]: "info",
  [LlamaLogLevel.log]: "info",
  [LlamaLogLevel.debug]: "debug",
};

export async function createLlamaCppEngine(options: LlamaCppEngineOptions = {}): Promise<LlamaCppEngine> {
  const onLog = options.onLog;
  const resolved = await resolveModel({
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.hfToken ? { hfToken: options.hfToken } : {}),
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(options.offline ? { offline: true } : {}),
    ...(options.huggingFaceEndpoint ? { huggingFaceEndpoint: options.huggingFaceEndpoint } : {}),
    ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(options.onDownloadProgress ? { onProgress: options.onDownloadProgress } : {}),
    ...(onLog ? { onLog } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  await checkGgufFile(resolved.path);
  if (resolved.demo) {
    onLog?.("warn", "embedded engine: DEMO MODEL in use (random weights): every answer is random text");
  }
  const threads = options.threads ?? 1;
  const llama = await getLlama({
    gpu: false,
    build: "never",
    maxThreads: threads,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => {
      const mapped = LOG_LEVEL[level];
      const text = message.trim();
      if (mapped && text) onLog?.(mapped, `llama.cpp: ${text}`);
    },
  });
  try {
    const model = await llama.loadModel({ modelPath: resolved.path });
    const contextSize =
      options.contextSize ?? (resolved.demo ? TINY_CONTEXT_LENGTH : Math.min(model.trainContextSize, 4096));
    const context = await model.createContext({
      sequences: Math.max(1, options.concurrency ?? 1),
      contextSize,
      threads,
    });
    onLog?.(
      "info",
      `embedded engine: ${resolved.name}, ${context.contextSize} tokens × ${options.concurrency ?? 1}`,
    );
    return new LlamaCppEngine({
      llama,
      model,
      context,
      resolved,
      threads,
      grammarCacheSize: options.grammarCacheSize ?? 64,
      forbiddenTokens: [
        ...((options.asciiOnly ?? resolved.demo) ? nonAsciiTokens(model) : []),
        ...hiddenTextTokens(model),
      ],
      ...(onLog ? { onLog } : {}),
    });
  } catch (err) {
    await llama.dispose().catch(() => undefined);
    throw new DeliberateError(
      "engine_unavailable",
      `failed to load the model ${resolved.path}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

/** Non-special tokens whose text holds anything but ASCII (incl. partial UTF-8 byte tokens). */
export function nonAsciiTokens(model: LlamaModel): number[] {
  const out: number[] = [];
  for (const token of model.iterateAllTokens()) {
    if (model.isSpecialToken(token)) continue;
    if (/[^\x00-\x7F]/.test(model.detokenize([token]))) out.push(token);
  }
  return out;
}
