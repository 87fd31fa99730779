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
import type {
  CompletionCall,
  CompletionOutput,
  EmbeddingsCall,
  EmbeddingsOutput,
  Engine,
  EngineHealth,
  ModelInfo,
} from "../../engine.js";
import { DeliberateError, isDeliberateError, throwIfAborted, toDeliberateError } from "../../errors.js";
import { GrammarCache } from "./grammars.js";
import type { LogFn, ResolvedModel } from "./model-source.js";
import { commonPrefix, SequencePool } from "./sequence-pool.js";

export interface LlamaCppParts {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  resolved: ResolvedModel;
  threads: number;
  grammarCacheSize: number;
  /** Forbid these token ids in every generation (the demo model's non-ASCII byte tokens). */
  forbiddenTokens: readonly number[];
  onLog?: LogFn;
}

export interface LlamaCppStats {
  sequences: number;
  available: number;
  waiting: number;
  grammarsCached: number;
}

export class LlamaCppEngine implements Engine {
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
  private canary: Promise<EngineHealth> | undefined;
  private closed = false;

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
      for (const token of parts.forbiddenTokens) bias.set(token as Token, "never");
      this.tokenBias = bias;
    }
  }

  modelInfo(): ModelInfo {
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

  async completion(call: CompletionCall): Promise<CompletionOutput> {
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
        ...(call.onDelta ? { onTextChunk: call.onDelta } : {}),
      });
      throwIfAborted(signal);
      return {
        text: result.response,
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

  async embeddings(call: EmbeddingsCall): Promise<EmbeddingsOutput> {
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
      return { model: this.resolved.name, vectors, promptTokens };
    } catch (err) {
      throw this.engineError(err, call.signal);
    }
  }

  /** Ready once a canary completion under a choice grammar has produced one of its choices. */
  async health(signal?: AbortSignal): Promise<EngineHealth> {
    if (this.closed) return { ready: false, detail: "the engine is closed" };
    this.canary ??= this.runCanary(signal).then((health) => {
      if (!health.ready) this.canary = undefined;
      return health;
    });
    return this.canary;
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

  private async runCanary(signal?: AbortSignal): Promise<EngineHealth> {
    const choices = ["yes", "no"];
    try {
      const out = await this.completion({
        prompt: "<|im_start|>user\nReady?<|im_end|>\n<|im_start|>assistant\n",
        maxTokens: 8,
        constraint: { kind: "choice", choices },
        sampling: { temperature: 0, topP: 1, topK: 0, minP: 0 },
        ...(signal ? { signal } : {}),
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
    const message = err instanceof Error ? err.message : String(err);
    this.parts.onLog?.("error", `llama.cpp: ${message}`);
    return new DeliberateError("engine_error", `the embedded engine failed: ${message}`, { cause: err });
  }
}

/** OpenAI's `dimensions`: keep the first n components, re-normalised to unit length. */
function shorten(vector: number[], dimensions: number | undefined): number[] {
  if (dimensions === undefined || dimensions >= vector.length) return vector;
  const cut = vector.slice(0, dimensions);
  const norm = Math.hypot(...cut) || 1;
  return cut.map((v) => v / norm);
}
