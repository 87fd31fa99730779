/**
 * A test double of the Engine interface: answers each completion call with the next scripted
 * reply (or a function of the call), records every call, honours abort, stop strings, max tokens
 * and the context length, and can stream deltas. It passes the Engine contract (scripted-engine.test.ts).
 * For unit tests of the pipeline and handlers; the real engines have their own tests.
 */
import type * as api from "../../core/engine.js";
import { DeliberateError } from "../../core/errors.js";

export type ScriptedReply =
  | Partial<api.CompletionOutput>
  | ((
      call: api.CompletionCall,
      index: number,
    ) => Partial<api.CompletionOutput> | Promise<Partial<api.CompletionOutput>>);

export interface ScriptedEngineOptions {
  replies?: ScriptedReply[];
  /** Used once the scripted replies are spent. */
  fallback?: ScriptedReply;
  /** Milliseconds each call takes (abortable). */
  delayMs?: number;
  info?: Partial<api.ModelInfo>;
  /** Characters per token for countTokens. */
  charsPerToken?: number;
}

export class ScriptedEngine implements api.Engine {
  readonly kind = "scripted";
  readonly calls: api.CompletionCall[] = [];
  private index = 0;

  constructor(private readonly options: ScriptedEngineOptions = {}) {}

  async completion(call: api.CompletionCall): Promise<api.CompletionOutput> {
    const index = this.index++;
    this.calls.push(call);
    if (this.options.delayMs) await abortableDelay(this.options.delayMs, call.signal);
    call.signal?.throwIfAborted();
    const promptTokens = await this.countTokens(call.prompt);
    const { maxModelLen } = this.modelInfo();
    if (promptTokens + call.maxTokens > maxModelLen) {
      throw new DeliberateError(
        "context_overflow",
        `the prompt (${promptTokens} tokens) plus max tokens (${call.maxTokens}) exceed ${maxModelLen}`,
      );
    }
    const reply = this.options.replies?.[index] ?? this.options.fallback ?? { text: "" };
    const partial = typeof reply === "function" ? await reply(call, index) : reply;
    // Like an engine: the text ends before the first stop string, then at max tokens (4 chars each),
    // unless the reply scripts its own ending.
    let text = partial.text ?? "";
    let finishReason = partial.finishReason ?? "stop";
    if (partial.finishReason === undefined && partial.completionTokens === undefined) {
      const stops = (call.stop ?? []).map((stop) => text.indexOf(stop)).filter((at) => at >= 0);
      if (stops.length > 0) text = text.slice(0, Math.min(...stops));
      if (text.length > call.maxTokens * 4) {
        text = text.slice(0, call.maxTokens * 4);
        finishReason = "length";
      }
    }
    if (call.onDelta && text) {
      for (const piece of text.match(/.{1,4}/gs) ?? []) {
        if (call.signal?.aborted) break;
        call.onDelta(piece);
      }
    }
    call.signal?.throwIfAborted();
    return {
      text,
      finishReason,
      promptTokens: partial.promptTokens ?? promptTokens,
      completionTokens: partial.completionTokens ?? Math.ceil(text.length / 4),
      cachedTokens: partial.cachedTokens ?? null,
      ...(partial.tokens ? { tokens: partial.tokens } : {}),
    };
  }

  async countTokens(text: string): Promise<number> {
    return Math.ceil(text.length / (this.options.charsPerToken ?? 4));
  }

  async embeddings(call: api.EmbeddingsCall): Promise<api.EmbeddingsOutput> {
    return {
      model: this.modelInfo().model,
      vectors: call.input.map((s) => [s.length, 1, 0]),
      promptTokens: call.input.reduce((n, s) => n + Math.ceil(s.length / 4), 0),
    };
  }

  async health(): Promise<api.EngineHealth> {
    return { ready: true };
  }

  modelInfo(): api.ModelInfo {
    return { model: "scripted-model", maxModelLen: 32_768, ...this.options.info };
  }
}

export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
