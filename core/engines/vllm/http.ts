/**
 * One HTTP exchange with vLLM: fetch with the caller's AbortSignal (closing the connection is how
 * vLLM learns to stop generating), an optional timeout, bounded retries with exponential backoff
 * and jitter, and the mapping of every failure onto our taxonomy.
 */
import { DeliberateError, throwIfAborted, toDeliberateError } from "../../errors.js";
import {
  connectionFailure,
  inBandError,
  errorInfoOf,
  mapStatus,
  parseErrorBody,
  retryAfterMs,
  type VllmFailure,
} from "./errors.js";

export interface RetryPolicy {
  /** Attempts in all for 429/503/refused (500 is retried once whatever this says). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 4000 };

export type VllmLogger = (
  level: "debug" | "info" | "warn" | "error",
  msg: string,
  fields?: Record<string, unknown>,
) => void;

export interface HttpOptions {
  fetch: typeof fetch;
  model: string;
  apiKey?: string;
  retry: RetryPolicy;
  logger?: VllmLogger;
  /** For the jitter; tests may pin it. */
  random: () => number;
}

export interface CallOptions {
  what: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** false: one attempt only (start-up probes; waitUntilReady does the polling). */
  retry?: boolean;
  accept?: string;
}

/** A successful (2xx) response whose body is still to be read. */
export interface Exchange {
  response: Response;
  /** Turns an error thrown while reading the body into a DeliberateError. */
  fail(err: unknown): DeliberateError;
  /** Clears the timeout; call once the body is read. */
  done(): void;
}

/** Waits, or rejects with the signal's reason at once when it fires. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(toDeliberateError(signal.reason, signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(toDeliberateError(signal?.reason, signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export class VllmHttp {
  constructor(private readonly options: HttpOptions) {}

  /** Exponential backoff with "equal jitter": half fixed, half random, capped. */
  backoffMs(retryNumber: number, retryAfter?: number): number {
    const { baseDelayMs, maxDelayMs } = this.options.retry;
    const exp = Math.min(maxDelayMs, baseDelayMs * 2 ** (retryNumber - 1));
    const jittered = exp / 2 + (exp / 2) * this.options.random();
    return Math.min(maxDelayMs, Math.max(jittered, retryAfter ?? 0));
  }

  async send(url: string, body: unknown, call: CallOptions): Promise<Exchange> {
    let backoffFailures = 0;
    let internalFailures = 0;
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(call.signal);
      const outcome = await this.attempt(url, body, call);
      if ("response" in outcome) return outcome;
      const { error, retry, retryAfterMs: after } = outcome;
      let again = false;
      if (call.retry !== false) {
        if (retry === "backoff") again = ++backoffFailures < this.options.retry.attempts;
        else if (retry === "once") again = ++internalFailures <= 1;
      }
      if (!again) throw error;
      const delayMs = Math.round(this.backoffMs(backoffFailures + internalFailures, after));
      this.options.logger?.("warn", "vLLM call failed; retrying", {
        what: call.what,
        code: error.code,
        reason: error.message,
        attempt,
        delayMs,
      });
      await abortableSleep(delayMs, call.signal);
    }
  }

  private async attempt(url: string, body: unknown, call: CallOptions): Promise<Exchange | VllmFailure> {
    // A timeout controller (and AbortSignal.any) only when there is a timeout: most calls have none.
    const timeout = call.timeoutMs === undefined ? undefined : new AbortController();
    const timer =
      timeout === undefined
        ? undefined
        : setTimeout(
            () =>
              timeout.abort(
                new DeliberateError(
                  "engine_unavailable",
                  `vLLM did not answer the ${call.what} call within ${call.timeoutMs} ms`,
                  { retryable: true },
                ),
              ),
            call.timeoutMs,
          );
    const done = () => clearTimeout(timer);
    const signal =
      timeout === undefined
        ? call.signal
        : call.signal === undefined
          ? timeout.signal
          : AbortSignal.any([call.signal, timeout.signal]);
    /** Whose abort it was decides the error: the caller's reason, or our timeout. */
    const fail = (err: unknown, fallback: () => DeliberateError): DeliberateError => {
      if (call.signal?.aborted) return toDeliberateError(err, call.signal);
      if (timeout?.signal.aborted) return timeout.signal.reason as DeliberateError;
      return err instanceof DeliberateError ? err : fallback();
    };
    const headers: Record<string, string> = { accept: call.accept ?? "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await this.options.fetch(url, {
        method: body === undefined ? "GET" : "POST",
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      done();
      if (call.signal?.aborted) throw toDeliberateError(err, call.signal);
      if (timeout?.signal.aborted)
        // Not retried here: a slow vLLM would only generate it all again (waitUntilReady polls probes).
        return { error: timeout.signal.reason as DeliberateError, retry: "never" };
      return connectionFailure(err, url);
    }
    if (response.ok) {
      return {
        response,
        done,
        fail: (err) =>
          fail(
            err,
            () =>
              new DeliberateError(
                "engine_error",
                `the connection to vLLM broke during the ${call.what} answer`,
                {
                  cause: err,
                },
              ),
          ),
      };
    }
    let text = "";
    try {
      text = await response.text();
    } catch (err) {
      if (call.signal?.aborted) {
        done();
        throw toDeliberateError(err, call.signal);
      }
    }
    done();
    const failure = mapStatus(response.status, parseErrorBody(text), {
      model: this.options.model,
      what: call.what,
    });
    const after = retryAfterMs(response.headers.get("retry-after"));
    return after === undefined ? failure : { ...failure, retryAfterMs: after };
  }

  /** GET or POST, then the whole body as JSON; an `error` inside a 200 becomes a failure. */
  async json(url: string, body: unknown, call: CallOptions): Promise<unknown> {
    return readJson(await this.send(url, body, call), call.what);
  }
}

/** The whole body of an exchange as JSON; an `error` inside a 200 becomes a failure. */
export async function readJson(exchange: Exchange, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await exchange.response.text();
  } catch (err) {
    throw exchange.fail(err);
  } finally {
    exchange.done();
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DeliberateError("engine_error", `vLLM sent a ${what} answer that is not JSON`);
  }
  // vLLM's pooling router can answer an error without setting the status (a 200).
  const info = typeof json === "object" && json !== null && "error" in json ? errorInfoOf(json) : undefined;
  if (info) throw inBandError(info);
  return json;
}
