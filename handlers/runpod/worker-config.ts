/**
 * The RunPod worker's environment, validated with zod. The worker's entry parses it once, together
 * with the rest of the configuration (handlers/shared/runtime.ts), so every problem is reported in one
 * ConfigError; everything below it takes the parsed WorkerConfig.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { ConfigError } from "../shared/config.js";
import { fillTemplate } from "./urls.js";

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

const EnvSchema = z.object({
  RUNPOD_WEBHOOK_GET_JOB: z.string().min(1).optional(),
  RUNPOD_WEBHOOK_POST_OUTPUT: z.string().min(1).optional(),
  RUNPOD_WEBHOOK_POST_STREAM: z.string().min(1).optional(),
  RUNPOD_WEBHOOK_PING: z.string().min(1).optional(),
  RUNPOD_POD_ID: z.string().min(1).optional(),
  RUNPOD_AI_API_KEY: z.string().min(1).optional(),
  RUNPOD_PING_INTERVAL: int(100, 3_600_000).default(10_000),
  /** Our name (RunPod has no such variable): jobs this worker runs at once. */
  RUNPOD_CONCURRENCY: int(1, 4096).optional(),
  RUNPOD_POD_HOSTNAME: z.string().min(1).optional(),
  RUNPOD_ENDPOINT_ID: z.string().min(1).optional(),
});

/** The literal runpod-python uses when RUNPOD_WEBHOOK_PING is unset. */
const PING_NOT_SET = "PING_NOT_SET";

export interface WorkerTimings {
  /** Job-take long poll (runpod-python wraps it in 90 s). */
  takeTimeoutMs: number;
  /** Job-stop long poll. */
  stopPollTimeoutMs: number;
  /** Pause after a 429 (runpod-python: 5 s). */
  backoffMs: number;
  /** Least time between two empty polls, so an instant 204 does not become a busy loop. */
  minPollIntervalMs: number;
  /** Pause after a failed take (network error, unexpected status). */
  errorDelayMs: number;
  /** Timeout of one job-done / job-stream POST. */
  postTimeoutMs: number;
  /** Attempts per job-done POST (runpod-python: 3). */
  postAttempts: number;
  /** Engine readiness is polled this often before the first take. */
  readyPollMs: number;
}

export const DEFAULT_TIMINGS: WorkerTimings = {
  takeTimeoutMs: 90_000,
  stopPollTimeoutMs: 90_000,
  backoffMs: 5_000,
  minPollIntervalMs: 1_000,
  errorDelayMs: 1_000,
  postTimeoutMs: 30_000,
  postAttempts: 3,
  readyPollMs: 1_000,
};

export interface WorkerConfig {
  /** Job-take URL with `$ID` already replaced by the worker id. */
  takeUrl: string;
  /** Templates with `$RUNPOD_POD_ID` replaced; `$ID` is the job id, filled per call. */
  doneUrlTemplate: string;
  streamUrlTemplate: string | undefined;
  /** Ping URL, or undefined when the heartbeat is off (no URL, no pod id or no key, as in runpod-python). */
  pingUrl: string | undefined;
  pingIntervalMs: number;
  podId: string;
  /** Sent raw in `Authorization` (no `Bearer`), exactly as RunPod's SDK does. */
  apiKey: string | undefined;
  concurrency: number;
  hostname: string;
  endpointId: string | undefined;
  timings: WorkerTimings;
}

/**
 * Reads the worker's variables. `defaultConcurrency` is the queue's (ORCH_MAX_CONCURRENCY) so the
 * worker never takes more jobs than the pipeline would run at once.
 */
export function parseWorkerConfig(
  env: Record<string, string | undefined>,
  defaultConcurrency: number,
  timings: Partial<WorkerTimings> = {},
): WorkerConfig {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k.startsWith("RUNPOD_") && v !== undefined && v.trim() !== ""),
  );
  const parsed = EnvSchema.safeParse(cleaned);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join(".")}: ${issue.message}`);
  }
  if (!cleaned.RUNPOD_WEBHOOK_GET_JOB) {
    problems.push(
      "RUNPOD_WEBHOOK_GET_JOB: not set, so this is not a RunPod worker container; " +
        "to try jobs locally run `npx tsx handlers/runpod/local-api-main.ts` instead",
    );
  }
  if (cleaned.RUNPOD_WEBHOOK_GET_JOB && !cleaned.RUNPOD_WEBHOOK_POST_OUTPUT) {
    problems.push("RUNPOD_WEBHOOK_POST_OUTPUT: required with RUNPOD_WEBHOOK_GET_JOB (where results go)");
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const podId = e.RUNPOD_POD_ID ?? randomUUID();
  const podOnly = (t: string) => t.replaceAll("$RUNPOD_POD_ID", podId);
  const pingOn =
    e.RUNPOD_WEBHOOK_PING && e.RUNPOD_WEBHOOK_PING !== PING_NOT_SET && e.RUNPOD_POD_ID && e.RUNPOD_AI_API_KEY;
  return {
    takeUrl: fillTemplate(e.RUNPOD_WEBHOOK_GET_JOB!, podId),
    doneUrlTemplate: podOnly(e.RUNPOD_WEBHOOK_POST_OUTPUT!),
    streamUrlTemplate: e.RUNPOD_WEBHOOK_POST_STREAM ? podOnly(e.RUNPOD_WEBHOOK_POST_STREAM) : undefined,
    pingUrl: pingOn ? fillTemplate(e.RUNPOD_WEBHOOK_PING!, podId) : undefined,
    pingIntervalMs: e.RUNPOD_PING_INTERVAL,
    podId,
    apiKey: e.RUNPOD_AI_API_KEY,
    concurrency: e.RUNPOD_CONCURRENCY ?? defaultConcurrency,
    hostname: e.RUNPOD_POD_HOSTNAME ?? "unknown",
    endpointId: e.RUNPOD_ENDPOINT_ID,
    timings: { ...DEFAULT_TIMINGS, ...timings },
  };
}
