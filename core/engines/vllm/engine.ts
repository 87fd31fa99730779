/**
 * The vLLM engine: an HTTP client of vLLM's OpenAI-compatible server behind the Engine interface.
 * It serves nothing until start() has passed the start-up checks, so a server whose constraints
 * are not enforced never answers a request.
 */
import type * as api from "../../engine.js";
import { DeliberateError, throwIfAborted, toDeliberateError } from "../../errors.js";
import {
  completionBody,
  embeddingsBody,
  parseCompletion,
  parseEmbeddings,
  parseTokenCount,
  parseTokenIds,
  type ParsedCompletion,
  StreamAccumulator,
  tokenizeBody,
} from "./bodies.js";
import { CompiledConstraints, compileCheckCall } from "./compile-check.js";
import { inBandError, errorInfoOf, type Phase } from "./errors.js";
import { DEFAULT_RETRY, type RetryPolicy, readJson, type VllmLogger, VllmHttp } from "./http.js";
import { readSse } from "./sse.js";
import { poolRequest, type UpstreamRequest } from "./upstream.js";
import { FixedTokens } from "./token-prompts.js";
import { untilAborted } from "../../until-aborted.js";
import { CANARY_PROMPTS, canaryCall, checkCanary, checkVersion, findModel } from "./startup.js";
import { waitForStart, type WaitOptions } from "./wait.js";

export interface VllmEngineOptions {
  /** vLLM's base URL, without /v1 (e.g. http://127.0.0.1:8000). */
  baseUrl: string;
  /** The embeddings server's base URL (a second, pooling vLLM); unset = no embeddings. */
  embeddingsUrl?: string;
  /** The served model name (MODEL_NAME). */
  model: string;
  /** The embeddings server's model; unset = whatever it serves. */
  embeddingsModel?: string;
  apiKey?: string;
  /** How each HTTP request is sent (default: poolRequest, upstream.ts); tests wrap it. */
  request?: UpstreamRequest;
  retry?: Partial<RetryPolicy>;
  /** Timeout of each completion, tokenize and embeddings call; unset = none (the request deadline rules). */
  requestTimeoutMs?: number;
  /** Timeout of the start-up and health probes (default 5000). */
  probeTimeoutMs?: number;
  logger?: VllmLogger;
  /**
   * Stream every completion from vLLM, even without onDelta (default false: only calls that pass
   * deltas on stream). A plain completion gets its HTTP headers only when generation ends; the
   * default request goes through a connection pool without header or body timeouts, so a long
   * thinking pass still works, and the caller's signal still closes the connection.
   */
  streamAlways?: boolean;
  /** For the backoff jitter (default Math.random). */
  random?: () => number;
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

export class VllmEngine implements api.Engine {
  readonly kind = "vllm";
  private readonly http: VllmHttp;
  private readonly embeddingsHttp: VllmHttp;
  private readonly base: string;
  private info: api.ModelInfo | undefined;
  private notReady = "the vLLM start-up checks have not run yet";
  private version: string | undefined;
  private readonly compiled = new CompiledConstraints();
  /** The pipeline's fixed suffixes and stop strings as vLLM tokenizes them, for token prompts. */
  private readonly fixed = new FixedTokens(async (text) =>
    parseTokenIds(
      await this.http.json(`${this.base}/tokenize`, tokenizeBody(this.options.model, text), {
        what: "tokenize",
        timeoutMs: this.options.probeTimeoutMs ?? 5000,
      }),
    ),
  );

  constructor(private readonly options: VllmEngineOptions) {
    this.base = trimSlash(options.baseUrl);
    const common = {
      request: options.request ?? poolRequest,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      random: options.random ?? Math.random,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    };
    this.http = new VllmHttp({ ...common, model: options.model });
    this.embeddingsHttp = new VllmHttp({ ...common, model: options.embeddingsModel ?? options.model });
  }

  /** True once the start-up checks have passed. */
  get ready(): boolean {
    return this.info !== undefined;
  }

  get vllmVersion(): string | undefined {
    return this.version;
  }

  /**
   * Runs the start-up checks once (version, model, canary) and caches the model info. A failure
   * waiting cannot heal throws StartupFatalError; others (refused, 5xx, timeouts) may pass later.
   */
  async start(signal?: AbortSignal): Promise<api.ModelInfo> {
    const probe = {
      signal,
      timeoutMs: this.options.probeTimeoutMs ?? 5000,
      retry: false,
      phase: "startup",
    } as const;
    try {
      const version = checkVersion(
        await this.http.json(`${this.base}/version`, undefined, { ...probe, what: "/version" }),
      );
      const models = await this.http.json(`${this.base}/v1/models`, undefined, {
        ...probe,
        what: "/v1/models",
      });
      const maxModelLen = findModel(models, this.options.model);
      for (const prompt of CANARY_PROMPTS) {
        checkCanary(
          await this.generate(canaryCall(prompt, signal), {
            retry: false,
            what: "canary completion",
            phase: "startup",
            // Bounded even without requestTimeoutMs: the first request may compile the grammar.
            timeoutMs: 6 * (this.options.probeTimeoutMs ?? 5000),
          }),
        );
      }
      this.version = version;
      this.info = { model: this.options.model, maxModelLen };
      this.options.logger?.("info", "vLLM passed the start-up checks", {
        version,
        model: this.options.model,
        maxModelLen,
      });
      return this.info;
    } catch (err) {
      const error = toDeliberateError(err, signal);
      this.info = undefined;
      this.notReady = error.message;
      throw error;
    }
  }

  /**
   * Runs start() until it passes, retrying transient failures (vLLM loading, 5xx, timeouts) with
   * backoff; a StartupFatalError, the signal or the timeout ends it.
   */
  waitUntilReady(options: WaitOptions = {}): Promise<api.ModelInfo> {
    return waitForStart((signal) => this.start(signal), {
      ...options,
      random: this.options.random ?? Math.random,
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    });
  }

  /**
   * Asks vLLM to compile a constraint it has not compiled for us yet (compile-check.ts): what its
   * backend cannot compile is schema_unsupported before any thinking is paid for.
   */
  async prepareConstraint(constraint: api.Constraint, signal?: AbortSignal): Promise<void> {
    this.requireReady();
    if (this.compiled.has(constraint)) return;
    await this.generate(compileCheckCall(constraint, signal), {
      what: "constraint compile check",
      phase: "compile-check",
    });
    this.compiled.add(constraint);
  }

  private requireReady(): void {
    if (!this.info) throw new DeliberateError("engine_unavailable", `vLLM is not ready: ${this.notReady}`);
  }

  async completion(call: api.CompletionCall): Promise<api.CompletionOutput> {
    this.requireReady();
    return this.generate(call, { what: "completion" });
  }

  private async generate(
    call: api.CompletionCall,
    extra: { retry?: boolean; what: string; timeoutMs?: number; phase?: Phase },
  ): Promise<api.CompletionOutput> {
    const stream = call.onDelta !== undefined || this.options.streamAlways === true;
    // The suffixes' ids are tokenized once for every request: this one stops waiting when aborted.
    const promptIds = call.pieces ? await untilAborted(this.fixed.promptIds(call), call.signal) : undefined;
    throwIfAborted(call.signal);
    const exchange = await this.http.send(
      `${this.base}/v1/completions`,
      completionBody(call, this.options.model, stream, promptIds),
      {
        ...(call.signal ? { signal: call.signal } : {}),
        ...(this.options.requestTimeoutMs === undefined ? {} : { timeoutMs: this.options.requestTimeoutMs }),
        ...extra,
        ...(stream ? { stream: true } : {}),
      },
    );
    if (!stream)
      return this.withTokens(parseCompletion(await readJson(exchange, extra.what, extra.phase)), call);
    const acc = new StreamAccumulator();
    try {
      const end = await readSse(exchange.response.body, (data) => {
        // Events already buffered when the caller aborted (e.g. from onDelta) are not delivered.
        throwIfAborted(call.signal);
        const json = parseJson(data);
        if (typeof json === "object" && json !== null && "error" in json) {
          throw inBandError(errorInfoOf(json) ?? { message: data }, extra.phase);
        }
        acc.push(json, call.onDelta);
      });
      if (end === "eof") {
        throw new DeliberateError("engine_error", "vLLM's stream broke off before [DONE]");
      }
      throwIfAborted(call.signal);
      return await this.withTokens(acc.result(), call);
    } catch (err) {
      throw exchange.fail(err);
    } finally {
      exchange.done();
    }
  }

  /** Adds the ids that make the text exactly, where vLLM returned them (token-prompts.ts). */
  private async withTokens(
    parsed: ParsedCompletion,
    call: api.CompletionCall,
  ): Promise<api.CompletionOutput> {
    if (!parsed.ids) return parsed.output;
    const tokens = await untilAborted(this.fixed.exact(parsed.ids), call.signal);
    return tokens ? { ...parsed.output, tokens } : parsed.output;
  }

  async countTokens(text: string, signal?: AbortSignal): Promise<number> {
    this.requireReady();
    const json = await this.http.json(`${this.base}/tokenize`, tokenizeBody(this.options.model, text), {
      what: "tokenize",
      ...(signal ? { signal } : {}),
      ...(this.options.requestTimeoutMs === undefined ? {} : { timeoutMs: this.options.requestTimeoutMs }),
    });
    return parseTokenCount(json);
  }

  async embeddings(call: api.EmbeddingsCall): Promise<api.EmbeddingsOutput> {
    const url = this.options.embeddingsUrl;
    if (!url) throw new DeliberateError("engine_unavailable", "no embeddings server configured");
    const json = await this.embeddingsHttp.json(
      `${trimSlash(url)}/v1/embeddings`,
      embeddingsBody(call, call.model ?? this.options.embeddingsModel),
      {
        what: "embeddings",
        ...(call.signal ? { signal: call.signal } : {}),
        ...(this.options.requestTimeoutMs === undefined ? {} : { timeoutMs: this.options.requestTimeoutMs }),
      },
    );
    return parseEmbeddings(json, call.input.length);
  }

  /** Ready only after the start-up checks passed and while GET /health answers 200. */
  async health(signal?: AbortSignal): Promise<api.EngineHealth> {
    if (!this.info) return { ready: false, detail: this.notReady };
    try {
      const exchange = await this.http.send(`${this.base}/health`, undefined, {
        what: "/health",
        retry: false,
        timeoutMs: this.options.probeTimeoutMs ?? 5000,
        ...(signal ? { signal } : {}),
      });
      exchange.done();
      // Read to its end (it is empty) so the connection goes back to the pool.
      await exchange.response.body.dump().catch(() => undefined);
      return { ready: true };
    } catch (err) {
      if (signal?.aborted) throw toDeliberateError(err, signal);
      return { ready: false, detail: toDeliberateError(err).message };
    }
  }

  /**
   * Never throws, so dashboards can show the model while vLLM loads: maxModelLen is 0 until start()
   * has read it, and completion/countTokens refuse until then, so nothing is sized by that 0.
   */
  modelInfo(): api.ModelInfo {
    return this.info ?? { model: this.options.model, maxModelLen: 0 };
  }

  async close(): Promise<void> {
    this.info = undefined;
    this.notReady = "the engine was closed";
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new DeliberateError("engine_error", "vLLM sent an answer that is not JSON");
  }
}

export function createVllmEngine(options: VllmEngineOptions): VllmEngine {
  return new VllmEngine(options);
}
