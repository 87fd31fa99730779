import { describe, expect, it } from "vitest";
import { backoffDelay, retry, retryAfterMs, type Attempt } from "./retry.js";
import { sleep } from "./sleep.js";

const fast = { baseDelayMs: 1, maxDelayMs: 4 };

describe("backoffDelay", () => {
  it("grows exponentially, with jitter in the upper half, capped", () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, 0, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, 0, () => 1))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
  });

  it("honours Retry-After up to the cap", () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, policy, 700, () => 0)).toBe(700);
    expect(backoffDelay(1, policy, 60_000, () => 0)).toBe(1000);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(retryAfterMs("2")).toBe(2000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs("soon")).toBeUndefined();
    const inFiveSeconds = new Date(Date.now() + 5000).toUTCString();
    expect(retryAfterMs(inFiveSeconds)).toBeGreaterThan(3000);
  });
});

describe("retry", () => {
  const failing = (results: Attempt<string>[]) => {
    const seen: number[] = [];
    return {
      seen,
      attempt: async (n: number) => {
        seen.push(n);
        return results[n - 1] ?? { value: "done" };
      },
    };
  };

  it("retries retryable failures until a value comes", async () => {
    const f = failing([
      { error: new Error("a"), retry: true },
      { error: new Error("b"), retry: true },
    ]);
    const retries: number[] = [];
    await expect(
      retry(f.attempt, { ...fast, attempts: 5, onRetry: ({ attempt }) => retries.push(attempt) }),
    ).resolves.toBe("done");
    expect(f.seen).toEqual([1, 2, 3]);
    expect(retries).toEqual([1, 2]);
  });

  it("throws a failure that may not be retried at once", async () => {
    const error = new Error("fatal");
    const f = failing([{ error, retry: false }]);
    await expect(retry(f.attempt, { ...fast, attempts: 5 })).rejects.toBe(error);
    expect(f.seen).toEqual([1]);
  });

  it("throws the last failure when the attempts are spent", async () => {
    const f = failing(Array.from({ length: 9 }, (_, i) => ({ error: new Error(`e${i + 1}`), retry: true })));
    await expect(retry(f.attempt, { ...fast, attempts: 3 })).rejects.toThrow("e3");
    expect(f.seen).toEqual([1, 2, 3]);
  });

  it("stops before a pause that would pass the deadline", async () => {
    const f = failing(Array.from({ length: 9 }, () => ({ error: new Error("down"), retry: true })));
    const options = { baseDelayMs: 50, maxDelayMs: 50, attempts: Number.POSITIVE_INFINITY };
    await expect(retry(f.attempt, { ...options, deadline: Date.now() + 10 })).rejects.toThrow("down");
    expect(f.seen).toEqual([1]);
  });

  it("waits at least what Retry-After asks", async () => {
    const f = failing([{ error: new Error("busy"), retry: true, retryAfterMs: 60 }]);
    const started = performance.now();
    await retry(f.attempt, { baseDelayMs: 1, maxDelayMs: 1000, attempts: 2 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it("ends a pause when the signal fires, with the signal's reason", async () => {
    const controller = new AbortController();
    const reason = new Error("shutting down");
    const f = failing([{ error: new Error("down"), retry: true }]);
    const run = retry(f.attempt, {
      baseDelayMs: 600_000,
      maxDelayMs: 600_000,
      attempts: 2,
      signal: controller.signal,
    });
    setImmediate(() => controller.abort(reason));
    await expect(run).rejects.toBe(reason);
  });
});

describe("sleep", () => {
  it("waits, or rejects at once with the reason of an aborted signal", async () => {
    const started = performance.now();
    await sleep(20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    const reason = new Error("stop");
    await expect(sleep(600_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });
});
