/**
 * Sealed request logs: one JSON line per request. The record (request, result or error, timings)
 * is AES-256-GCM sealed into `box`, and every line is a link of a MAC chain (log-chain.ts), so
 * dropped, replayed or reordered lines are detected by scripts/decrypt-request-logs.ts. Writes
 * happen once per request, in order, through one file handle; a write that fails (disk full,
 * permissions) is counted and reported through onFailure and never throws. Once the file reaches
 * `maxBytes` it is rotated to `.1` (older ones shift up to `.keep`) before the next line.
 */
import { mkdirSync, statSync } from "node:fs";
import { type FileHandle, open, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { sealJson } from "../../core/seal.js";
import type { SettledRecord } from "../../core/completion-service.js";
import { chainKey, type ChainEntry, LogChain } from "./log-chain.js";

export interface RequestLogRecord {
  ts: string;
  job_id: string;
  outcome: string;
  cached: boolean;
  ms: number;
  transport?: string;
  request: unknown;
  result?: unknown;
  error?: unknown;
}

export interface RequestLog {
  write(record: SettledRecord, transport?: string): void;
  /** Registers the listener told of each failed write (the server counts and logs them). */
  onFailure?(listener: (err: unknown) => void): void;
  /** Writes the chain's end entry and closes the file. */
  close(): Promise<void>;
}

export interface RequestLogOptions {
  /** Rotate once the file has reached this many bytes; 0 = never. */
  maxBytes?: number;
  /** Rotated files kept (`path.1` … `path.keep`). */
  keep?: number;
}

export function toLogRecord(record: SettledRecord, transport?: string): RequestLogRecord {
  return {
    ts: new Date().toISOString(),
    job_id: record.jobId,
    outcome: record.outcome,
    cached: record.cached,
    ms: record.ms,
    ...(transport ? { transport } : {}),
    request: record.request ?? null,
    ...(record.result ? { result: record.result } : {}),
    ...(record.error ? { error: record.error.toEnvelope().error } : {}),
  };
}

export function sealBox(key: Buffer, record: RequestLogRecord): string {
  return sealJson(key, record).toString("base64");
}

const line = (entry: ChainEntry) => `${JSON.stringify(entry)}\n`;

export function createRequestLog(path: string, key: Buffer, options: RequestLogOptions = {}): RequestLog {
  mkdirSync(dirname(path), { recursive: true });
  const maxBytes = options.maxBytes ?? 0;
  const keep = options.keep ?? 5;
  const chain = new LogChain(chainKey(key));
  const listeners: ((err: unknown) => void)[] = [];
  let handle: FileHandle | undefined;
  // Rotation is decided when a line is chained, not when it is written, so that each file's start
  // entry sits at its place in the chain. `size` is the file's size once queued lines are written.
  let size = fileSize(path);
  let fileStarted = false;
  let tail: Promise<void> = Promise.resolve();

  const failed = (err: unknown) => {
    for (const listener of listeners) listener(err);
  };
  const rotate = async () => {
    await handle?.close();
    handle = undefined;
    for (let i = keep - 1; i >= 1; i--) await rename(`${path}.${i}`, `${path}.${i + 1}`).catch(() => {});
    await rename(path, `${path}.1`);
  };
  const append = async (text: string, rotateFirst: boolean) => {
    if (rotateFirst) await rotate();
    handle ??= await open(path, "a", 0o600);
    await handle.write(text);
  };
  /** Chains the next entry; a new file (first, or after rotation) opens with a start entry. */
  const next = (make: () => ChainEntry) => {
    const rotateFirst = maxBytes > 0 && size >= maxBytes;
    let text = "";
    if (rotateFirst || !fileStarted) {
      text = line(chain.start());
      if (rotateFirst) size = 0;
      fileStarted = true;
    }
    text += line(make());
    size += Buffer.byteLength(text);
    tail = tail.then(() => append(text, rotateFirst)).catch(failed);
  };

  return {
    write(record, transport) {
      let box: string;
      try {
        box = sealBox(key, toLogRecord(record, transport));
      } catch (err) {
        failed(err);
        return;
      }
      next(() => chain.record(box));
    },
    onFailure(listener) {
      listeners.push(listener);
    },
    async close() {
      next(() => chain.end());
      await tail;
      await handle?.close().catch(failed);
      handle = undefined;
    },
  };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
