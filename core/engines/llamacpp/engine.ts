/**
 * The embedded llama.cpp engine (node-llama-cpp 3.21.1): the Engine interface on one CPU machine.
 * Raw-prompt completions with special tokens parsed, stop strings, sampling and seed, streaming,
 * abort within a token, grammar constraints, embeddings, on a bounded pool of context sequences.
 */
import {
  type Llama,
  LlamaCompletion,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaEmbeddingContext,
  type LlamaModel,
  type Token,
  TokenBias,
} from "node-llama-cpp";
import type * as api from "../../engine.js";
import { DeliberateError, isDeliberateError, throwIfAborted, toDeliberateError } from "../../errors.js";
import { GrammarCache } from "./grammars.js";
import type { LogFn, ResolvedModel } from "./model-source.js";
import { SAMPLE_FAILED, guardSampling } from "./sampler-guard.js";
import { DeltaGate, repairTrailingChar } from "./trailing-char.js";
import { commonPrefix, SequencePool } from "./sequence-pool.js";

export interface LlamaCppParts {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  resolved: ResolvedModel;
  threads: number;
  grammarCacheSize: number;
  /** Forbid these token ids wherever the grammar leaves another choice (the demo model's non-ASCII
   * byte tokens); see FORBIDDEN_LOGIT. */
  forbiddenTokens: readonly number[];
  onLog?: LogFn;
}

export interface LlamaCppStats {
  sequences: number;
  available: number;
  waiting: number;
  grammarsCached: number;
}

/**
 * The logit bias of a forbidden token: finite, not node-llama-cpp's "never" (-Infinity).
 *
 * With "never", a constraint whose text needs a forbidden token (choice "é", regex `é`, a schema
 * `const` "☃" or property "ключ") leaves every token the grammar allows at -Infinity; the sampler
 * then picks a token the grammar refuses and llama.cpp throws "Unexpected empty grammar stack".
 * A bias of -1e9 is as good as never wherever any allowed token is not forbidden: its probability
 * underflows to exactly 0, and greedy decoding never picks it. Where the grammar allows only
 * forbidden tokens (a literal non-ASCII character and its UTF-8 continuation bytes) they stay
 * finite, so the required text is produced as written. Decided per token, not per call: free text
 * inside such a constraint (a JSON string value next to a non-ASCII property name) stays ASCII, so
 * the demo model's invalid UTF-8 (the reason for the bias) still cannot appear where it is optional.
 */
export const FORBIDDEN_LOGIT = -1e9;

export class LlamaCppEngine implements api.Engine {
  readonly kind = "llamacpp";
  readonly llama: Llama;
  readonly model: LlamaModel;
  readonly resolved: ResolvedModel;
  private readonly context: LlamaContext;
  private readonly pool: SequencePool<LlamaContextSequence>;
  private readonly grammars: GrammarCache;
  private readonly tokenBias: TokenBias | undefined;
  private readonly sequences: LlamaContextSequence[] = [];
  private embedding: Promise<LlamaEmbeddingContext> | undefined;
  private canary: Promise<api.EngineHealth> | undefined;
  private closed = false;
  /** The last native sampling failure, for the message of the completion it ended. */
  private samplerFailure: string | undefined;

  constructor(private readonly parts: LlamaCppParts) {
    this.llama = parts.llama;
    this.model = parts.model;
    this.resolved = parts.resolved;
    this.context = parts.context;
    while (this.context.sequencesLeft > 0) this.sequences.push(this.context.getSequence());
    this.pool = new SequencePool(this.sequences);
    this.grammars = new GrammarCache(this.llama, parts.grammarCacheSize);
    if (parts.forbiddenTokens.length) {
      const bias = new TokenBias(this.model.tokenizer);
      for (const token of parts.forbiddenTokens) bias.set(token as Token, { logit: FORBIDDEN_LOGIT });
      this.tokenBias = bias;
    }
    const guarded = guardSampling(this.context, (err) => {
      this.samplerFailure = err instanceof Error ? err.message : String(err);
      parts.onLog?.("error", `llama.cpp sampling failed: ${this.samplerFailure}`);
    });
    if (!guarded) {
      parts.onLog?.(
        "warn",
        "embedded engine: node-llama-cpp internals changed; sampling failures are unguarded",
      );
    }
  }

  modelInfo(): api.ModelInfo {
    return { model: this.resolved.name, maxModelLen: this.context.contextSize, demo: this.resolved.demo };
  }

  stats(): LlamaCppStats {
    return {
      sequences: this.sequences.length,
      available: this.pool.available,
      waiting: this.pool.waiting,
      grammarsCached: this.grammars.size,
    };
  }

  async countTokens(text: string, signal?: AbortSignal): Promise<number> {
    throwIfAborted(signal);
    this.assertOpen();
    return this.model.tokenize(text, true).length;
  }

  /** Compiles the constraint into the grammar cache now: schema_unsupported before any generation. */
  async prepareConstraint(constraint: api.Constraint, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    this.assertOpen();
    this.grammars.get(constraint);
  }

  /** `onToken` is called after each generated token (the engine host's progress beat). */
  async completion(call: api.CompletionCall, onToken?: () => void): Promise<api.CompletionOutput> {
    const { signal } = call;
    throwIfAborted(signal);
    this.assertOpen();
    const tokens = this.model.tokenize(call.prompt, true);
    const room = this.context.contextSize;
    if (tokens.length === 0) throw new DeliberateError("invalid_request", "the prompt is empty");
    if (tokens.length + call.maxTokens > room) {
      throw new DeliberateError(
        "context_overflow",
        `the prompt (${tokens.length} tokens) plus max tokens (${call.maxTokens}) exceed the context of ${room} tokens`,
        { param: "messages" },
      );
    }
    // Compiled before a sequence is taken: an unsupported constraint never waits in the queue.
    const grammar = call.constraint ? this.grammars.get(call.constraint) : undefined;
    const sequence = await this.pool.acquire(tokens, signal);
    const completion = new LlamaCompletion({ contextSequence: sequence });
    try {
      // At least the last prompt token is always evaluated again, so it never counts as cached.
      const cachedTokens = Math.min(commonPrefix(sequence.contextTokens, tokens), tokens.length - 1);
      const outputBefore = sequence.tokenMeter.usedOutputTokens;
      const { sampling } = call;
      const gate = call.onDelta ? new DeltaGate(call.onDelta) : undefined;
      const result = await completion.generateCompletionWithMeta(tokens, {
        maxTokens: call.maxTokens,
        temperature: sampling.temperature,
        // vLLM disables top-k with -1, node-llama-cpp with 0.
        topK: Math.max(sampling.topK, 0),
        topP: sampling.topP,
        minP: sampling.minP,
        ...(sampling.seed === undefined ? {} : { seed: sampling.seed }),
        // vLLM applies no repetition penalty unless asked; neither does this engine.
        repeatPenalty: false,
        // Never shift the context silently: the budget check above keeps generation inside it.
        disableContextShift: true,
        ...(grammar ? { grammar } : {}),
        ...(call.stop?.length ? { customStopTriggers: call.stop } : {}),
        ...(this.tokenBias ? { tokenBias: this.tokenBias } : {}),
        ...(signal ? { signal } : {}),
        ...(gate ? { onTextChunk: (text: string) => gate.push(text) } : {}),
        ...(onToken ? { onToken } : {}),
      });
      throwIfAborted(signal);
      const text =
        result.metadata.stopReason === "eogToken"
          ? // Every generated token but the end token has been evaluated into the sequence.
            repairTrailingChar(result.response, () =>
              this.model.detokenize(sequence.contextTokens.slice(tokens.length)),
            )
          : result.response;
      gate?.finish(text);
      return {
        text,
        finishReason: result.metadata.stopReason === "maxTokens" ? "length" : "stop",
        promptTokens: tokens.length,
        completionTokens: sequence.tokenMeter.usedOutputTokens - outputBefore,
        cachedTokens,
      };
    } catch (err) {
      throw this.engineError(err, signal);
    } finally {
      completion.dispose();
      this.pool.release(sequence);
    }
  }

  async embeddings(call: api.EmbeddingsCall): Promise<api.EmbeddingsOutput> {
    throwIfAborted(call.signal);
    this.assertOpen();
    try {
      this.embedding ??= this.model.createEmbeddingContext({
        threads: this.parts.threads,
        contextSize: this.context.contextSize,
      });
      const context = await this.embedding;
      const size = this.model.embeddingVectorSize;
      if (call.dimensions !== undefined && call.dimensions > size) {
        throw new DeliberateError("invalid_request", `dimensions must be at most ${size} for this model`, {
          param: "dimensions",
        });
      }
      const vectors: number[][] = [];
      let promptTokens = 0;
      // The signal is checked before each input and after the last: node-llama-cpp's getEmbeddingFor
      // takes no signal, and one input (at most a context of tokens, one forward pass) is not split.
      for (const text of call.input) {
        throwIfAborted(call.signal);
        const tokens = this.model.tokenize(text);
        if (tokens.length > context.model.trainContextSize || tokens.length > this.context.contextSize) {
          throw new DeliberateError("context_overflow", `an input of ${tokens.length} tokens is too long`, {
            param: "input",
          });
        }
        promptTokens += tokens.length;
        const { vector } = await context.getEmbeddingFor(tokens);
        vectors.push(shorten([...vector], call.dimensions));
      }
      throwIfAborted(call.signal);
      return { model: this.resolved.name, vectors, promptTokens };
    } catch (err) {
      throw this.engineError(err, call.signal);
    }
  }

  /**
   * Ready once a canary completion under a choice grammar has produced one of its choices. The
   * canary is shared by concurrent callers and runs without any caller's signal (it is 8 tokens at
   * most); a caller that aborts stops waiting for it and gets "not ready", the others do not.
   */
  async health(signal?: AbortSignal): Promise<api.EngineHealth> {
    if (this.closed) return { ready: false, detail: "the engine is closed" };
    this.canary ??= this.runCanary().then((health) => {
      if (!health.ready) this.canary = undefined;
      return health;
    });
    return untilAborted(this.canary, signal);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pool.close();
    const embedding = await this.embedding?.catch(() => undefined);
    await embedding?.dispose();
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }

  private async runCanary(): Promise<api.EngineHealth> {
    const choices = ["yes", "no"];
    try {
      const out = await this.completion({
        prompt: "<|im_start|>user\nReady?<|im_end|>\n<|im_start|>assistant\n",
        maxTokens: 8,
        constraint: { kind: "choice", choices },
        sampling: { temperature: 0, topP: 1, topK: 0, minP: 0 },
      });
      if (!choices.includes(out.text)) {
        return { ready: false, detail: `the grammar canary produced ${JSON.stringify(out.text)}` };
      }
      return {
        ready: true,
        detail: this.resolved.demo ? "demo model: output is random text" : `model ${this.resolved.name}`,
      };
    } catch (err) {
      return { ready: false, detail: toDeliberateError(err).message };
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new DeliberateError("shutting_down", "the engine is closed");
  }

  private engineError(err: unknown, signal: AbortSignal | undefined): DeliberateError {
    if (isDeliberateError(err)) return err;
    if (signal?.aborted) return toDeliberateError(err, signal);
    let message = err instanceof Error ? err.message : String(err);
    if (message === SAMPLE_FAILED && this.samplerFailure) message += ` (${this.samplerFailure})`;
    this.parts.onLog?.("error", `llama.cpp: ${message}`);
    return new DeliberateError("engine_error", `the embedded engine failed: ${message}`, { cause: err });
  }
}

/** The health, or "not ready" as soon as this caller's signal aborts. */
function untilAborted(
  health: Promise<api.EngineHealth>,
  signal: AbortSignal | undefined,
): Promise<api.EngineHealth> {
  if (!signal) return health;
  const notReady = (): api.EngineHealth => ({
    ready: false,
    detail: toDeliberateError(signal.reason, signal).message,
  });
  if (signal.aborted) return Promise.resolve(notReady());
  return new Promise((resolve) => {
    const onAbort = () => resolve(notReady());
    signal.addEventListener("abort", onAbort, { once: true });
    health.then((value) => {
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    });
  });
}

/** OpenAI's `dimensions`: keep the first n components, re-normalised to unit length. */
function shorten(vector: number[], dimensions: number | undefined): number[] {
  if (dimensions === undefined || dimensions >= vector.length) return vector;
  const cut = vector.slice(0, dimensions);
  const norm = Math.hypot(...cut) || 1;
  return cut.map((v) => v / norm);
}
