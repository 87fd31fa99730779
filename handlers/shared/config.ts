/**
 * Configuration from an environment-like record. Core never reads process.env: each entry point
 * parses it once (handlers/shared/runtime.ts) and passes the result down. All problems, rules that
 * span several variables included, are reported together in one ConfigError.
 */
import { z } from "zod";
import { parseBudgets, type EffortBudgets, DEFAULT_BUDGETS } from "../../core/effort.js";

/** The longest delay setTimeout honours, in whole seconds. */
const MAX_TIMER_S = Math.floor((2 ** 31 - 1) / 1000);

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

const bool = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(["true", "false", "1", "0", "yes", "no", "on", "off", ""]))
  .transform((v) => ["true", "1", "yes", "on"].includes(v));

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const url = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ""));

/**
 * Pipelines at once when ORCH_MAX_CONCURRENCY is unset. Each running pipeline is one sequence on
 * the engine. vLLM batches up to its --max-num-seqs (256 by default on most GPUs) and queues the
 * rest itself; a pipeline leaves vLLM's batch between its calls, so a quarter more than 256 keeps
 * vLLM's waiting queue short but not empty and its batch full (bench/vllm-batching.ts). The
 * embedded engine has one context sequence per pipeline, and 8 of those fit a small CPU model.
 */
export const DEFAULT_CONCURRENCY = { vllm: 320, embedded: 8 } as const;

function defaultConcurrency(vllm: boolean): number {
  return vllm ? DEFAULT_CONCURRENCY.vllm : DEFAULT_CONCURRENCY.embedded;
}

const EnvSchema = z.object({
  ORCH_API_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  ORCH_ENCRYPTION_KEY: z.string().optional(),
  ORCH_METRICS_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  ORCH_HOST: z.string().min(1).optional(),
  ORCH_PORT: int(0, 65535).default(8005),
  ORCH_LOG_LEVEL: z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .pipe(z.enum(LOG_LEVELS))
    .default("info"),
  ORCH_ENABLE_REQUEST_LOGS: bool.default(false),
  ORCH_REQUEST_LOG_PATH: z.string().min(1).default("./logs/requests.jsonl"),
  VLLM_URL: url.optional(),
  VLLM_EMBEDDINGS_URL: url.optional(),
  VLLM_API_KEY: z.string().optional(),
  MODEL_NAME: z.string().min(1).optional(),
  HF_TOKEN: z.string().optional(),
  TENSOR_PARALLEL: int(1, 64).default(1),
  ORCH_MODEL: z.string().min(1).optional(),
  ORCH_MODEL_CACHE_DIR: z.string().min(1).optional(),
  ORCH_ENGINE_MAX_HEAP_MB: int(64, 1_000_000).default(1024),
  ORCH_ENGINE_MAX_RSS_MB: int(64, 100_000_000).optional(),
  ORCH_ENGINE_RSS_HEADROOM_MB: int(0, 100_000_000).default(2048),
  ORCH_ENGINE_STALL_S: z.coerce.number().positive().max(MAX_TIMER_S).default(60),
  ORCH_ENGINE_CANCEL_GRACE_MS: int(1, 60_000).default(60),
  ORCH_THINKING_BUDGETS: z.string().optional(),
  ORCH_ANSWER_MAX_TOKENS: int(1, 1_000_000).default(1024),
  // Default chosen below: it depends on the engine.
  ORCH_MAX_CONCURRENCY: int(1, 4096).optional(),
  ORCH_ADAPTIVE_CONCURRENCY: bool.default(false),
  ORCH_MAX_QUEUE: int(0, 1_000_000).default(256),
  ORCH_MAX_WS_INFLIGHT: int(1, 4096).default(16),
  ORCH_MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024).default(1024 * 1024),
  // Node's timers treat anything above 2^31-1 ms (about 24.8 days) as 1 ms: cap below that.
  ORCH_REQUEST_TIMEOUT_S: z.coerce.number().positive().max(MAX_TIMER_S).default(600),
  ORCH_DRAIN_S: z.coerce.number().min(0).max(MAX_TIMER_S).default(30),
  ORCH_CACHE_TTL_S: z.coerce.number().min(0).max(MAX_TIMER_S).default(600),
  ORCH_CACHE_MAX_ENTRIES: int(0, 10_000_000).default(1000),
  ORCH_MODE: z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .pipe(z.enum(["server", "runpod"]))
    .default("server"),
  ORCH_SECRETS_ID: z.string().min(1).optional(),
  ORCH_WS_MAX_BUFFERED_BYTES: int(64 * 1024, 1024 * 1024 * 1024).default(4 * 1024 * 1024),
  ORCH_MAX_CONNECTIONS: int(1, 1_000_000).optional(),
  ORCH_HEADERS_TIMEOUT_S: z.coerce.number().positive().max(MAX_TIMER_S).default(10),
  ORCH_BODY_TIMEOUT_S: z.coerce.number().positive().max(MAX_TIMER_S).default(30),
  ORCH_MAX_EMBEDDINGS_CONCURRENCY: int(1, 4096).default(4),
  ORCH_MAX_EMBEDDINGS_QUEUE: int(0, 1_000_000).default(64),
  ORCH_REQUEST_LOG_MAX_BYTES: int(0, Number.MAX_SAFE_INTEGER).default(64 * 1024 * 1024),
  ORCH_REQUEST_LOG_KEEP: int(1, 1000).default(5),
  ORCH_EXIT_GRACE_S: z.coerce.number().positive().max(MAX_TIMER_S).default(10),
});

export interface Config {
  apiKey: string | undefined;
  /** A scrape-only key for /metrics, so Prometheus need not hold the key that runs completions. */
  metricsKey: string | undefined;
  /** 32 raw bytes, or undefined when none was given (the entry decides whether to generate one). */
  encryptionKey: Buffer | undefined;
  host: string;
  port: number;
  logLevel: (typeof LOG_LEVELS)[number];
  requestLogs: { enabled: boolean; path: string };
  vllm: { url: string; embeddingsUrl: string | undefined; apiKey: string | undefined } | undefined;
  embeddingsUrl: string | undefined;
  modelName: string | undefined;
  hfToken: string | undefined;
  tensorParallel: number;
  embeddedModel: string | undefined;
  modelCacheDir: string | undefined;
  /** The embedded engine's host process: heap and RSS bounds (MB), time bound, cancel grace. */
  engineHost: {
    maxHeapMb: number;
    maxRssMb: number | undefined;
    rssHeadroomMb: number;
    stallMs: number;
    cancelGraceMs: number;
  };
  budgets: EffortBudgets;
  answerMaxTokens: number;
  maxConcurrency: number;
  /** With vLLM: move maxConcurrency with vLLM's own queue (handlers/server/adapt-to-vllm.ts). */
  adaptiveConcurrency: boolean;
  maxQueue: number;
  maxWsInflight: number;
  maxBodyBytes: number;
  requestTimeoutMs: number;
  drainMs: number;
  cache: { ttlMs: number; maxEntries: number };
  mode: "server" | "runpod";
  secretsId: string | undefined;
  /** Bytes queued for one WebSocket before the server stops producing for it and closes it. */
  wsMaxBufferedBytes: number;
  /** TCP connections at once; undefined = derived from the process's file-descriptor limit. */
  maxConnections: number | undefined;
  headersTimeoutMs: number;
  /** Node's requestTimeout: the whole request (headers and body) must arrive within it. */
  bodyTimeoutMs: number;
  embeddings: { maxConcurrency: number; maxQueue: number };
  /** Request-log rotation: the live file is rotated past maxBytes (0 = never); `keep` old files. */
  requestLogRotation: { maxBytes: number; keep: number };
  /** After the drain window and the socket grace, the process exits at the latest this much later. */
  exitGraceMs: number;
}

/** Every configuration problem an entry found, one a line; the one such error of every entry and script. */
export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    heading = "invalid configuration",
  ) {
    super(`${heading}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Seconds as whole milliseconds. */
const ms = (seconds: number) => Math.round(seconds * 1000);

/** Decodes a 32-byte key given as base64 (standard or url-safe) or hex. */
export function decodeKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (bytes.length === 32) return bytes;
  }
  return undefined;
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  // Empty strings mean "unset": shells and task definitions often export VAR= for nothing.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""),
  );
  const problems: string[] = [];
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join(".")}: ${issue.message}`);
  }
  let budgets: EffortBudgets = DEFAULT_BUDGETS;
  try {
    if (cleaned.ORCH_THINKING_BUDGETS) budgets = parseBudgets(cleaned.ORCH_THINKING_BUDGETS);
  } catch (err) {
    problems.push(`ORCH_THINKING_BUDGETS: ${(err as Error).message}`);
  }
  let encryptionKey: Buffer | undefined;
  if (cleaned.ORCH_ENCRYPTION_KEY) {
    encryptionKey = decodeKey(cleaned.ORCH_ENCRYPTION_KEY);
    if (!encryptionKey) {
      problems.push("ORCH_ENCRYPTION_KEY: must be 32 bytes, as base64 (44 characters) or hex (64)");
    }
  }
  // Checked on the raw values so that it is reported even when other variables are invalid too.
  if (cleaned.VLLM_URL && !cleaned.MODEL_NAME) {
    problems.push("MODEL_NAME: required when VLLM_URL is set (the model vLLM serves)");
  }
  // Logs sealed under a throw-away key could never be read: refuse rather than write them.
  const logsOn = bool.safeParse(cleaned.ORCH_ENABLE_REQUEST_LOGS ?? "false");
  if (logsOn.success && logsOn.data && !cleaned.ORCH_ENCRYPTION_KEY) {
    problems.push(
      "ORCH_ENCRYPTION_KEY: required with ORCH_ENABLE_REQUEST_LOGS (the key that opens the logs)",
    );
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    apiKey: e.ORCH_API_KEY,
    metricsKey: e.ORCH_METRICS_KEY,
    encryptionKey,
    host: e.ORCH_HOST ?? (e.ORCH_API_KEY ? "0.0.0.0" : "127.0.0.1"),
    port: e.ORCH_PORT,
    logLevel: e.ORCH_LOG_LEVEL,
    requestLogs: { enabled: e.ORCH_ENABLE_REQUEST_LOGS, path: e.ORCH_REQUEST_LOG_PATH },
    vllm: e.VLLM_URL
      ? { url: e.VLLM_URL, embeddingsUrl: e.VLLM_EMBEDDINGS_URL, apiKey: e.VLLM_API_KEY }
      : undefined,
    embeddingsUrl: e.VLLM_EMBEDDINGS_URL,
    modelName: e.MODEL_NAME,
    hfToken: e.HF_TOKEN,
    tensorParallel: e.TENSOR_PARALLEL,
    embeddedModel: e.ORCH_MODEL,
    modelCacheDir: e.ORCH_MODEL_CACHE_DIR,
    engineHost: {
      maxHeapMb: e.ORCH_ENGINE_MAX_HEAP_MB,
      maxRssMb: e.ORCH_ENGINE_MAX_RSS_MB,
      rssHeadroomMb: e.ORCH_ENGINE_RSS_HEADROOM_MB,
      stallMs: ms(e.ORCH_ENGINE_STALL_S),
      cancelGraceMs: e.ORCH_ENGINE_CANCEL_GRACE_MS,
    },
    budgets,
    answerMaxTokens: e.ORCH_ANSWER_MAX_TOKENS,
    maxConcurrency: e.ORCH_MAX_CONCURRENCY ?? defaultConcurrency(e.VLLM_URL !== undefined),
    adaptiveConcurrency: e.ORCH_ADAPTIVE_CONCURRENCY,
    maxQueue: e.ORCH_MAX_QUEUE,
    maxWsInflight: e.ORCH_MAX_WS_INFLIGHT,
    maxBodyBytes: e.ORCH_MAX_BODY_BYTES,
    requestTimeoutMs: ms(e.ORCH_REQUEST_TIMEOUT_S),
    drainMs: ms(e.ORCH_DRAIN_S),
    cache: { ttlMs: ms(e.ORCH_CACHE_TTL_S), maxEntries: e.ORCH_CACHE_MAX_ENTRIES },
    mode: e.ORCH_MODE,
    secretsId: e.ORCH_SECRETS_ID,
    wsMaxBufferedBytes: e.ORCH_WS_MAX_BUFFERED_BYTES,
    maxConnections: e.ORCH_MAX_CONNECTIONS,
    headersTimeoutMs: ms(e.ORCH_HEADERS_TIMEOUT_S),
    bodyTimeoutMs: ms(e.ORCH_BODY_TIMEOUT_S),
    embeddings: {
      maxConcurrency: e.ORCH_MAX_EMBEDDINGS_CONCURRENCY,
      maxQueue: e.ORCH_MAX_EMBEDDINGS_QUEUE,
    },
    requestLogRotation: { maxBytes: e.ORCH_REQUEST_LOG_MAX_BYTES, keep: e.ORCH_REQUEST_LOG_KEEP },
    exitGraceMs: ms(e.ORCH_EXIT_GRACE_S),
  };
}
