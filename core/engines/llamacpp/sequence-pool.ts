/**
 * A bounded pool of context sequences. Each pipeline step borrows one; a waiting acquire can be
 * aborted. Among free sequences the one whose cached tokens share the longest prefix with the new
 * prompt is chosen, so a pipeline's later steps (which extend earlier prompts) re-use the KV cache.
 */
import { DeliberateError, throwIfAborted, toDeliberateError } from "../../errors.js";

export interface PoolItem {
  /** Tokens the item's KV cache holds, for prefix matching. */
  readonly contextTokens: readonly number[];
}

interface Waiter<T> {
  tokens: readonly number[];
  resolve: (item: T) => void;
  reject: (err: unknown) => void;
}

export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export class SequencePool<T extends PoolItem> {
  private readonly free: T[];
  private readonly waiters: Waiter<T>[] = [];
  private closed = false;

  constructor(items: T[]) {
    this.free = [...items];
  }

  get available(): number {
    return this.free.length;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  acquire(tokens: readonly number[], signal?: AbortSignal): Promise<T> {
    if (this.closed) return Promise.reject(new DeliberateError("shutting_down", "the engine is closed"));
    throwIfAborted(signal);
    const best = this.takeBest(tokens);
    if (best) return Promise.resolve(best);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        tokens,
        resolve: (item) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(item);
        },
        reject: (err) => {
          signal?.removeEventListener("abort", onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        waiter.reject(toDeliberateError(signal?.reason, signal));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(item);
    else this.free.push(item);
  }

  /** Rejects every waiter; items in use are released to nobody. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(new DeliberateError("shutting_down", "the engine is closing"));
    }
  }

  private takeBest(tokens: readonly number[]): T | undefined {
    if (this.free.length === 0) return undefined;
    let bestIndex = 0;
    let bestLength = -1;
    this.free.forEach((item, index) => {
      const length = commonPrefix(item.contextTokens, tokens);
      if (length > bestLength) {
        bestLength = length;
        bestIndex = index;
      }
    });
    return this.free.splice(bestIndex, 1)[0];
  }
}
