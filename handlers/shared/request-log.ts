/**
 * Sealed request logs: one JSON line per request, `{"v":1,"box":"<base64>"}`, where the box is the
 * AES-256-GCM sealed record (request, result or error, timings). Only the key opens them
 * (scripts/decrypt-request-logs.ts). Writes happen once per request, never per token.
 */
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import { sealJson } from "../../core/seal.js";
import type { SettledRecord } from "../../core/completion-service.js";

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
  close(): Promise<void>;
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

export function sealLine(key: Buffer, record: RequestLogRecord): string {
  return `${JSON.stringify({ v: 1, box: sealJson(key, record).toString("base64") })}\n`;
}

export function createRequestLog(path: string, key: Buffer): RequestLog {
  mkdirSync(dirname(path), { recursive: true });
  const stream: WriteStream = createWriteStream(path, { flags: "a", mode: 0o600 });
  return {
    write(record, transport) {
      stream.write(sealLine(key, toLogRecord(record, transport)));
    },
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}
