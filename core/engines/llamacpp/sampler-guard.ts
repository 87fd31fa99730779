/**
 * Keeps a native sampling failure from escaping node-llama-cpp 3.21.1 as an unhandled rejection.
 *
 * Where it escapes (dist/evaluator/LlamaContext/LlamaContext.js): a sequence's `_evaluate` queues a
 * decode with a `logitDataMapper` that calls the native `this._context._ctx.sampleToken(...)`. The
 * context's `dispatchPendingBatch` runs every batch inside `void withLock(...)` and awaits the mapped
 * values with `Promise.all`; when `sampleToken` rejects (llama.cpp's grammar sampler throws, e.g.
 * "Unexpected empty grammar stack after accepting piece" once no token can continue the grammar),
 * that rejection leaves the voided promise unhandled, and the queued decode's accept/reject is never
 * called. The generation then hangs for ever, holding the sequence's evaluation lock.
 *
 * The addon itself resolves -1 when it has no token to give, and `_evaluate` turns -1 into a thrown
 * "Failed to sample next token" inside the generator, which rejects the completion normally and
 * frees every lock. So the guard wraps the context's native `sampleToken`: a rejection is reported
 * through `onFailure` and becomes -1. It relies on node-llama-cpp's private `_ctx` field (the version
 * is pinned); when that shape is missing it changes nothing and says so.
 */
import type { LlamaContext } from "node-llama-cpp";

/** node-llama-cpp's own message for a -1 token. */
export const SAMPLE_FAILED = "Failed to sample next token";

type SampleToken = (...args: unknown[]) => unknown;

export function guardSampling(context: LlamaContext, onFailure: (err: unknown) => void): boolean {
  const native = (context as unknown as { _ctx?: { sampleToken?: SampleToken } })._ctx;
  const original = native?.sampleToken;
  if (!native || typeof original !== "function") return false;
  const guarded = (...args: unknown[]) => {
    let result: unknown;
    try {
      result = original.apply(native, args);
    } catch (err) {
      onFailure(err);
      return -1;
    }
    if (!(result instanceof Promise)) return result;
    return result.catch((err: unknown) => {
      onFailure(err);
      return -1;
    });
  };
  try {
    // The addon's methods are read-only on its prototype: an own property shadows it.
    Object.defineProperty(native, "sampleToken", { value: guarded, configurable: true, writable: true });
  } catch {
    return false;
  }
  return true;
}
