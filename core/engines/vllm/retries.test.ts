import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { standInWithEngine, type Fixture } from "../../../test/vllm-stand-in/fixture.js";
import type { CompletionCall } from "../../engine.js";
import { errors } from "undici";
import { poolRequest } from "./upstream.js";
import { createVllmEngine } from "./index.js";

let f: Fixture;
const retries: Record<string, unknown>[] = [];
beforeEach(async () => {
  retries.length = 0;
  f = await standInWithEngine({
    engine: { logger: (_level, msg, fields) => msg.includes("retrying") && retries.push(fields ?? {}) },
  });
});
afterEach(async () => {
  expect(f.standIn.violations).toEqual([]);
  await f.stop();
});

const call: CompletionCall = {
  prompt: "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
  maxTokens: 20,
  sampling: { temperature: 0.6, topP: 0.95, topK: 20, minP: 0 },
};
const completions = () => f.standIn.count("/v1/completions");

describe("retries", () => {
  it("503 then success: retried with backoff", async () => {
    f.standIn.failNext(503, 1);
    await expect(f.engine.completion(call)).resolves.toMatchObject({ finishReason: "stop" });
    expect(completions()).toBe(2);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ code: "engine_unavailable", attempt: 1 });
  });

  it("a Retry-After from vLLM (or its proxy) is waited out before the next attempt", async () => {
    const engine = createVllmEngine({
      baseUrl: f.standIn.url,
      model: "Qwen/Qwen3-8B",
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1000 },
      random: () => 0,
    });
    await engine.start();
    f.standIn.clearRecords();
    f.standIn.failNext(503, 1, { retryAfter: "0.08" });
    const started = performance.now();
    await expect(engine.completion(call)).resolves.toMatchObject({ finishReason: "stop" });
    // Its own backoff would be 0.5 ms here: only the header explains the wait.
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    expect(completions()).toBe(2);
  });

  it("429 twice then success", async () => {
    f.standIn.failNext(429, 2);
    await expect(f.engine.completion(call)).resolves.toMatchObject({ finishReason: "stop" });
    expect(completions()).toBe(3);
  });

  it("503 that does not clear: engine_unavailable after the bounded number of attempts", async () => {
    f.standIn.failNext(503, 100);
    await expect(f.engine.completion(call)).rejects.toMatchObject({
      code: "engine_unavailable",
      message: expect.stringContaining("HTTP 503"),
    });
    expect(completions()).toBe(4);
  });

  it("connection refused, then vLLM is back: retried until it answers", async () => {
    let failures = 0;
    const engine = createVllmEngine({
      baseUrl: f.standIn.url,
      model: "Qwen/Qwen3-8B",
      retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
      request: async (url, init) => {
        try {
          return await poolRequest(url, init);
        } catch (err) {
          // vLLM comes back after the second refused attempt.
          if (++failures === 2) await f.standIn.resume();
          throw err;
        }
      },
    });
    await engine.start();
    await f.standIn.refuse();
    await expect(engine.completion(call)).resolves.toMatchObject({ finishReason: "stop" });
    expect(failures).toBe(2);
  });

  it("refused for good: engine_unavailable naming the address", async () => {
    await f.standIn.refuse();
    await expect(f.engine.completion(call)).rejects.toMatchObject({
      code: "engine_unavailable",
      message: expect.stringMatching(/unreachable at http:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED/),
    });
  });

  it("500 once: retried once, then success", async () => {
    f.standIn.failNext(500, 1);
    await expect(f.engine.completion(call)).resolves.toMatchObject({ finishReason: "stop" });
    expect(completions()).toBe(2);
  });

  it("500 twice: engine_error after exactly one retry", async () => {
    f.standIn.failNext(500, 2);
    await expect(f.engine.completion(call)).rejects.toMatchObject({
      code: "engine_error",
      message: expect.stringContaining("HTTP 500"),
    });
    expect(completions()).toBe(2);
  });

  it("400 is never retried", async () => {
    f.standIn.failNext(400, 1, { message: "1 validation error: something", type: "BadRequestError" });
    await expect(f.engine.completion(call)).rejects.toMatchObject({ code: "invalid_request" });
    expect(completions()).toBe(1);
  });

  it("404 and 401 are never retried", async () => {
    f.standIn.failNext(404, 1, {
      message: "The model `Qwen/Qwen3-8B` does not exist.",
      type: "NotFoundError",
    });
    await expect(f.engine.completion(call)).rejects.toMatchObject({ code: "engine_error" });
    f.standIn.failNext(401, 1, { body: { error: "Unauthorized" } });
    await expect(f.engine.completion(call)).rejects.toMatchObject({ code: "engine_error" });
    expect(completions()).toBe(2);
  });

  it("undici's header timeout on a long plain completion is not retried (vLLM was generating)", async () => {
    let calls = 0;
    const engine = createVllmEngine({
      baseUrl: f.standIn.url,
      model: "Qwen/Qwen3-8B",
      retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
      // A pool with undici's default 300 s header timeout, met by a long plain completion.
      request: async (url, init) => {
        if (url.endsWith("/v1/completions") && ++calls > 2) throw new errors.HeadersTimeoutError();
        return poolRequest(url, init);
      },
    });
    await engine.start(); // two canary completions
    await expect(engine.completion(call)).rejects.toMatchObject({
      code: "engine_error",
      message: expect.stringContaining("header timeout"),
    });
    expect(calls).toBe(3);
  });

  it("a stream cut mid-answer is not retried (its deltas were already passed on)", async () => {
    f.standIn.faults.cutAfterTokens = 3;
    const deltas: string[] = [];
    await expect(f.engine.completion({ ...call, onDelta: (t) => deltas.push(t) })).rejects.toMatchObject({
      code: "engine_error",
    });
    expect(deltas).toHaveLength(3);
    expect(completions()).toBe(1);
  });
});
