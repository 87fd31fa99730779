/**
 * The result cache: deterministic requests only, keyed by a canonical hash of the parsed request,
 * with a TTL and an entry bound (least recently used goes first). Entries are held sealed.
 */
import { createHash } from "node:crypto";
import { requestMessages } from "./prompt.js";
import type { CompletionRequest, CompletionResult } from "./protocol.js";
import { openJson, sealJson } from "./seal.js";

/** Same answer for the same request: greedy decoding, or sampling pinned by a seed. */
export function isDeterministic(request: CompletionRequest): boolean {
  return request.temperature === 0 || request.seed !== undefined;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
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
    .update(canonical({ model, messages: requestMessages(request), request: rest }))
    .digest("hex");
}

export interface ResultCacheOptions {
  key: Buffer;
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

interface Entry {
  box: Buffer;
  expires: number;
}

export class ResultCache {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly options: ResultCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.options.maxEntries > 0 && this.options.ttlMs > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CompletionResult | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expires <= this.now()) return undefined;
    this.entries.set(key, entry); // most recently used moves to the end
    return openJson<CompletionResult>(this.options.key, entry.box);
  }

  set(key: string, result: CompletionResult): void {
    if (!this.enabled) return;
    this.entries.delete(key);
    this.entries.set(key, {
      box: sealJson(this.options.key, result),
      expires: this.now() + this.options.ttlMs,
    });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
