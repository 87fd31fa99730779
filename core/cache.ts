/**
 * The result cache: deterministic requests only, keyed by a canonical hash of the parsed request,
 * with a TTL and an entry bound (least recently used goes first). Entries are held sealed.
 */
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import { canonicalJson } from "./constraints/canonical-json.js";
import { requestMessages } from "./prompt.js";
import type { CompletionRequest, CompletionResult } from "./protocol.js";
import { openJson, sealJson } from "./seal.js";

/** Same answer for the same request: greedy decoding, or sampling pinned by a seed. */
export function isDeterministic(request: CompletionRequest): boolean {
  return request.temperature === 0 || request.seed !== undefined;
}

/**
 * sha256 of the request in canonical form (sorted keys, defaults applied by the parse). `stream`
 * is left out: it changes how the answer travels, not the answer. `include_thinking` stays in,
 * since it changes the result's shape. `prompt` is keyed as the one user message it stands for,
 * since both render the same prompt. The model is part of the key.
 */
export function cacheKey(request: CompletionRequest, model: string): string {
  const { stream: _stream, prompt: _prompt, messages: _messages, ...rest } = request;
  return createHash("sha256")
    .update(canonicalJson({ model, messages: requestMessages(request), request: rest }))
    .digest("hex");
}

export interface ResultCacheOptions {
  key: Buffer;
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

/**
 * lru-cache holds the entries (least recently used goes first beyond maxEntries; an entry past
 * its TTL is never returned). Its clock is injectable, so tests can move time.
 */
export class ResultCache {
  private readonly entries: LRUCache<string, Buffer> | undefined;

  constructor(private readonly options: ResultCacheOptions) {
    if (!this.enabled) return;
    const now = options.now;
    this.entries = new LRUCache<string, Buffer>({
      max: options.maxEntries,
      ttl: options.ttlMs,
      // Read the clock on every check (lru-cache otherwise reuses one reading for 1 ms).
      ttlResolution: 0,
      ...(now ? { perf: { now } } : {}),
    });
  }

  get enabled(): boolean {
    return this.options.maxEntries > 0 && this.options.ttlMs > 0;
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }

  get(key: string): CompletionResult | undefined {
    const box = this.entries?.get(key);
    return box === undefined ? undefined : openJson<CompletionResult>(this.options.key, box);
  }

  set(key: string, result: CompletionResult): void {
    this.entries?.set(key, sealJson(this.options.key, result));
  }
}
