/**
 * The one retry loop of the code base: bounded attempts (or a deadline), exponential backoff with
 * "equal jitter" (half fixed, half random, capped), and a server's Retry-After honoured up to the
 * cap. The caller decides, per failure, whether it may be retried; anything thrown ends it at once.
 */
import { sleep } from "./sleep.js";

export interface Backoff {
  /** Attempts in all (Infinity: until the deadline or the signal). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** What one attempt came to: a value, or a failure and whether it may be tried again. */
export type Attempt<T> = { value: T } | { error: unknown; retry: boolean; retryAfterMs?: number };

export interface RetryOptions extends Backoff {
  signal?: AbortSignal;
  /** Epoch ms after which no new attempt starts: the last failure is thrown instead. */
  deadline?: number;
  /** For the jitter (default Math.random); tests may pin it. */
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/** The pause before retry number `retry` (1-based). */
export function backoffDelay(
  retry: number,
  policy: Pick<Backoff, "baseDelayMs" | "maxDelayMs">,
  retryAfterMs = 0,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const jittered = exp / 2 + (exp / 2) * random();
  return Math.round(Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs)));
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Runs `attempt` until it gives a value; a retryable failure waits its backoff first. Throws the
 * last failure when it may not be retried, the attempts are spent or the deadline would pass, and
 * the signal's reason when the signal fires during a pause.
 */
export async function retry<T>(
  attempt: (n: number) => Promise<Attempt<T>>,
  options: RetryOptions,
): Promise<T> {
  for (let n = 1; ; n++) {
    const outcome = await attempt(n);
    if ("value" in outcome) return outcome.value;
    if (!outcome.retry || n >= options.attempts) throw outcome.error;
    const delayMs = backoffDelay(n, options, outcome.retryAfterMs, options.random);
    if (options.deadline !== undefined && Date.now() + delayMs > options.deadline) throw outcome.error;
    options.onRetry?.({ attempt: n, delayMs, error: outcome.error });
    await sleep(delayMs, options.signal);
  }
}
