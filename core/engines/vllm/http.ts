/**
 * One HTTP exchange with vLLM (upstream.ts sends it) with the caller's AbortSignal (closing the
 * connection is how vLLM learns to stop generating), an optional timeout, bounded retries
 * (core/retry.ts) and the mapping of every failure onto our taxonomy.
 */
import { DeliberateError, throwIfAborted, toDeliberateError } from "../../errors.js";
import { retry, retryAfterMs } from "../../retry.js";
import type { EngineLog } from "../../engine.js";
import {
  connectionFailure,
  inBandError,
  errorInfoOf,
  mapStatus,
  type Phase,
  parseErrorBody,
  type VllmFailure,
} from "./errors.js";
import type { UpstreamRequest, UpstreamResponse } from "./upstream.js";

export interface RetryPolicy {
  /** Attempts in all (429/503/refused use them all; a 500 is retried once at most). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 4000 };

export type VllmLogger = EngineLog;

export interface HttpOptions {
  request: UpstreamRequest;
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
  /** Server-sent events, read as they arrive (sse.ts); otherwise JSON, read once complete. */
  stream?: boolean;
  /** What the call is part of, for how a refusal is read (errors.ts). */
  phase?: Phase;
}

/** A successful (2xx) response whose body is still to be read. */
export interface Exchange {
  response: UpstreamResponse;
  /** Turns an error thrown while reading the body into a DeliberateError. */
  fail(err: unknown): DeliberateError;
  /** Clears the timeout; call once the body is read. */
  done(): void;
}

export class VllmHttp {
  constructor(private readonly options: HttpOptions) {}

  async send(url: string, body: unknown, call: CallOptions): Promise<Exchange> {
    // 429/503/refused are retried with backoff up to the policy's attempts; a 500 once.
    let internalFailures = 0;
    try {
      return await retry<Exchange>(
        async () => {
          throwIfAborted(call.signal);
          const outcome = await this.attempt(url, body, call);
          if ("response" in outcome) return { value: outcome };
          const again =
            call.retry !== false &&
            (outcome.retry === "backoff" || (outcome.retry === "once" && ++internalFailures <= 1));
          return {
            error: outcome.error,
            retry: again,
            ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
          };
        },
        {
          ...this.options.retry,
          random: this.options.random,
          ...(call.signal ? { signal: call.signal } : {}),
          onRetry: ({ attempt, delayMs, error }) => {
            const { code, message } = error as DeliberateError;
            this.options.logger?.("warn", "vLLM call failed; retrying", {
              what: call.what,
              code,
              reason: message,
              attempt,
              delayMs,
            });
          },
        },
      );
    } catch (err) {
      throw toDeliberateError(err, call.signal);
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
    const headers: Record<string, string> = {
      accept: call.stream ? "text/event-stream" : "application/json",
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let response: UpstreamResponse;
    try {
      response = await this.options.request(url, {
        method: body === undefined ? "GET" : "POST",
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
        ...(call.stream ? { stream: true } : {}),
      });
    } catch (err) {
      done();
      if (call.signal?.aborted) throw toDeliberateError(err, call.signal);
      if (timeout?.signal.aborted)
        // Not retried here: a slow vLLM would only generate it all again (waitUntilReady polls probes).
        return { error: timeout.signal.reason as DeliberateError, retry: "never" };
      return connectionFailure(err, url);
    }
    if (response.statusCode >= 200 && response.statusCode < 300) {
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
      text = await response.body.text();
    } catch (err) {
      if (call.signal?.aborted) {
        done();
        throw toDeliberateError(err, call.signal);
      }
    }
    done();
    const failure = mapStatus(response.statusCode, parseErrorBody(text), {
      model: this.options.model,
      what: call.what,
      ...(call.phase ? { phase: call.phase } : {}),
    });
    const header = response.headers["retry-after"];
    const after = retryAfterMs(Array.isArray(header) ? header[0] : header);
    return after === undefined ? failure : { ...failure, retryAfterMs: after };
  }

  /** GET or POST, then the whole body as JSON; an `error` inside a 200 becomes a failure. */
  async json(url: string, body: unknown, call: CallOptions): Promise<unknown> {
    return readJson(await this.send(url, body, call), call.what, call.phase);
  }
}

/** The whole body of an exchange as JSON; an `error` inside a 200 becomes a failure. */
export async function readJson(exchange: Exchange, what: string, phase?: Phase): Promise<unknown> {
  let text: string;
  try {
    text = await exchange.response.body.text();
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
  if (info) throw inBandError(info, phase);
  return json;
}
