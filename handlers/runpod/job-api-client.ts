/**
 * The HTTP calls a RunPod worker makes: job-take (single and batch), job-done,
 * job-stream, the heartbeat ping and the job-stop long poll. Every call is abortable and has a
 * timeout; none throws for an HTTP status, the caller decides from the returned kind.
 */
import type { Logger } from "pino";
import { retry, retryAfterMs } from "../../core/retry.js";
import { sleep as pause } from "../../core/sleep.js";
import { batchUrlOf, fillTemplate, stopUrlOf, withQuery } from "./urls.js";
import type { WorkerConfig } from "./worker-config.js";

export const USER_AGENT = `Deliberate-RunPod-Worker/0.1 (Node ${process.version})`;
/** Sent as `runpod_version` on pings: we identify ourselves rather than pose as runpod-python. */
export const RUNPOD_VERSION_TAG = "deliberate-ts-0.1";

export type TakeResult =
  | { kind: "jobs"; jobs: unknown[] }
  | { kind: "none"; reason: string }
  | { kind: "backoff" }
  | { kind: "error"; message: string };

export type StopPollResult =
  | { kind: "ids"; ids: string[] }
  | { kind: "none" }
  | { kind: "backoff" }
  | { kind: "error"; message: string };

export type FetchLike = typeof fetch;

/** The worker's loops check their signal themselves: here an abort just ends the pause. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  pause(ms, signal).catch(() => undefined);

type PostOutcome = { kind: "ok" | "fatal" } | { kind: "retry"; retryAfterMs?: number };

export class JobApiClient {
  private readonly batchUrl: string | undefined;
  readonly stopUrl: string | undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly log: Logger,
    private readonly fetchImpl: FetchLike = fetch,
  ) {
    this.batchUrl = batchUrlOf(config.takeUrl);
    this.stopUrl = stopUrlOf(config.takeUrl);
  }

  private authHeaders(): Record<string, string> {
    // RunPod sends the raw key, no `Bearer` (as RunPod's Python SDK does).
    return this.config.apiKey ? { Authorization: this.config.apiKey } : {};
  }

  /** Takes up to `count` jobs: the batch route when more than one slot is free and it exists. */
  async take(count: number, inProgress: boolean, signal: AbortSignal): Promise<TakeResult> {
    const batch = count > 1 && this.batchUrl !== undefined;
    const url = batch
      ? withQuery(this.batchUrl!, { batch_size: count, job_in_progress: inProgress ? 1 : 0 })
      : withQuery(this.config.takeUrl, { job_in_progress: inProgress ? 1 : 0 });
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method: "GET",
        headers: { ...this.authHeaders(), Accept: "application/json", "User-Agent": USER_AGENT },
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.timings.takeTimeoutMs)]),
      });
    } catch (err) {
      if (signal.aborted) return { kind: "none", reason: "stopped" };
      if ((err as Error).name === "TimeoutError") return { kind: "none", reason: "long poll timed out" };
      return { kind: "error", message: `job-take failed: ${(err as Error).message}` };
    }
    const text = await response.text().catch(() => "");
    if (response.status === 204) return { kind: "none", reason: "204" };
    // 400 is what FlashBoot answers when there is no job (runpod-python treats it as "no job").
    if (response.status === 400) return { kind: "none", reason: "400" };
    if (response.status === 429) return { kind: "backoff" };
    if (response.status !== 200) return { kind: "error", message: `job-take answered ${response.status}` };
    if (text.trim() === "") return { kind: "none", reason: "empty body" };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      this.log.error({ body: text.slice(0, 200) }, "job-take answered non-JSON; treated as no job");
      return { kind: "none", reason: "non-JSON body" };
    }
    // A batch take answers an array; tolerate a single object there too, and null as nothing.
    if (body === null) return { kind: "none", reason: "null body" };
    return { kind: "jobs", jobs: Array.isArray(body) ? body : [body] };
  }

  /**
   * POSTs the final body to job-done, retrying network errors, 429 and 5xx with backoff (and the
   * platform's Retry-After). True when delivered.
   */
  async done(jobId: string, body: unknown, isStream: boolean, signal: AbortSignal): Promise<boolean> {
    const url = withQuery(fillTemplate(this.config.doneUrlTemplate, this.config.podId, jobId), {
      isStream: isStream ? "true" : "false",
    });
    const delivered = await this.postWithRetries(url, jobId, body, signal);
    if (!delivered) this.log.error({ jobId }, "job-done could not be delivered; result dropped");
    return delivered;
  }

  /**
   * POSTs one streamed item `{"output": item}` to job-stream, retried like job-done: runpod-python
   * sends both through the same retrying transmit (3 attempts).
   */
  async stream(jobId: string, item: unknown, signal: AbortSignal): Promise<boolean> {
    if (!this.config.streamUrlTemplate) return false;
    const url = withQuery(fillTemplate(this.config.streamUrlTemplate, this.config.podId, jobId), {
      isStream: "false",
    });
    if (await this.postWithRetries(url, jobId, { output: item }, signal)) return true;
    this.log.warn({ jobId }, "job-stream item could not be delivered; dropped");
    return false;
  }

  /** Network errors, 429 and 5xx are retried (honouring Retry-After), up to timings.postAttempts in all. */
  private postWithRetries(url: string, jobId: string, body: unknown, signal: AbortSignal): Promise<boolean> {
    const { postAttempts, errorDelayMs } = this.config.timings;
    return retry<boolean>(
      async () => {
        const outcome = await this.post(url, jobId, body, signal);
        if (outcome.kind !== "retry") return { value: outcome.kind === "ok" };
        const { retryAfterMs: after } = outcome;
        return {
          error: outcome,
          retry: !signal.aborted,
          ...(after === undefined ? {} : { retryAfterMs: after }),
        };
      },
      { attempts: postAttempts, baseDelayMs: errorDelayMs, maxDelayMs: errorDelayMs * 8, signal },
    ).catch(() => false);
  }

  private async post(url: string, jobId: string, body: unknown, signal: AbortSignal): Promise<PostOutcome> {
    try {
      const response = await this.fetchImpl(url, {
        method: "POST",
        // The exact header set runpod-python sends to job-done/job-stream (a JSON body under a form
        // content type): the only combination known to be accepted by the platform.
        headers: {
          ...this.authHeaders(),
          "Content-Type": "application/x-www-form-urlencoded",
          charset: "utf-8",
          "X-Request-ID": jobId,
          "User-Agent": USER_AGENT,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.timings.postTimeoutMs)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { kind: "ok" };
      this.log.warn({ jobId, status: response.status, url: redact(url) }, "job result POST refused");
      if (response.status !== 429 && response.status < 500) return { kind: "fatal" };
      const after = retryAfterMs(response.headers.get("retry-after"));
      return after === undefined ? { kind: "retry" } : { kind: "retry", retryAfterMs: after };
    } catch (err) {
      this.log.warn({ jobId, err: (err as Error).message }, "job result POST failed");
      return { kind: "retry" };
    }
  }

  /** The heartbeat: GET ping URL with the running job ids (omitted when idle). Errors are logged only. */
  async ping(jobIds: string[], signal: AbortSignal): Promise<void> {
    if (!this.config.pingUrl) return;
    const url = withQuery(this.config.pingUrl, {
      job_id: jobIds.length > 0 ? jobIds.join(",") : undefined,
      runpod_version: RUNPOD_VERSION_TAG,
    });
    try {
      const response = await this.fetchImpl(url, {
        method: "GET",
        headers: this.authHeaders(),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.pingIntervalMs * 2)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) this.log.warn({ status: response.status }, "heartbeat ping refused");
    } catch (err) {
      if (!signal.aborted) this.log.warn({ err: (err as Error).message }, "heartbeat ping failed");
    }
  }

  /** One job-stop long poll: ids of jobs the platform wants stopped. */
  async pollStop(signal: AbortSignal): Promise<StopPollResult> {
    if (!this.stopUrl) return { kind: "none" };
    try {
      const response = await this.fetchImpl(this.stopUrl, {
        method: "GET",
        headers: { ...this.authHeaders(), Accept: "application/json", "User-Agent": USER_AGENT },
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.timings.stopPollTimeoutMs)]),
      });
      const text = await response.text().catch(() => "");
      if (response.status === 204) return { kind: "none" };
      if (response.status === 429) return { kind: "backoff" };
      if (response.status !== 200) return { kind: "error", message: `job-stop answered ${response.status}` };
      const body = text.trim() ? (JSON.parse(text) as { jobsToStop?: unknown }) : {};
      const ids = Array.isArray(body.jobsToStop)
        ? body.jobsToStop.filter((id): id is string => typeof id === "string")
        : [];
      return { kind: "ids", ids };
    } catch (err) {
      if (signal.aborted || (err as Error).name === "TimeoutError") return { kind: "none" };
      return { kind: "error", message: `job-stop failed: ${(err as Error).message}` };
    }
  }
}

/** URLs carry no secrets, but keep logs short: path only. */
function redact(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return "?";
  }
}
