import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { standInWithEngine, type Fixture } from "../../../test/vllm-stand-in/fixture.js";
import type { CompletionCall } from "../../engine.js";
import { DeliberateError } from "../../errors.js";
import { runPipeline } from "../../pipeline.js";
import { CompletionRequest } from "../../protocol.js";

let f: Fixture;
beforeEach(async () => {
  f = await standInWithEngine();
  // Slow generation: the request is still being generated when the client goes away.
  f.standIn.faults.tokenDelayMs = 20;
});
afterEach(async () => {
  expect(f.standIn.violations).toEqual([]);
  await f.stop();
});

const call = (signal: AbortSignal, extra: Partial<CompletionCall> = {}): CompletionCall => ({
  prompt: "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n",
  maxTokens: 200,
  sampling: { temperature: 0.6, topP: 0.95, topK: 20, minP: 0 },
  signal,
  ...extra,
});

describe("abort propagation", () => {
  it("non-streaming: the stand-in sees the connection close while generating; the error is the signal's reason", async () => {
    const controller = new AbortController();
    const reason = new DeliberateError("cancelled", "the client went away");
    f.standIn.replyWith = () => {
      // The request has reached "vLLM": abort it mid-generation.
      setImmediate(() => controller.abort(reason));
      return undefined;
    };
    const closed = f.standIn.nextClose();
    await expect(f.engine.completion(call(controller.signal))).rejects.toBe(reason);
    const close = await closed;
    expect(close.streaming).toBe(false);
    expect(close.tokensSent).toBeLessThan(close.totalTokens);
  });

  it("streaming: aborting after the first delta closes the upstream connection at once", async () => {
    const controller = new AbortController();
    const reason = new DeliberateError("timeout", "the request deadline passed");
    const deltas: string[] = [];
    const closed = f.standIn.nextClose();
    const promise = f.engine.completion(
      call(controller.signal, {
        onDelta: (text) => {
          deltas.push(text);
          controller.abort(reason);
        },
      }),
    );
    await expect(promise).rejects.toBe(reason);
    const close = await closed;
    expect(close.streaming).toBe(true);
    expect(close.tokensSent).toBeGreaterThanOrEqual(1);
    expect(close.tokensSent).toBeLessThan(close.totalTokens);
    expect(deltas).toHaveLength(1);
  });

  it("an abort without a DeliberateError reason becomes cancelled", async () => {
    const controller = new AbortController();
    f.standIn.replyWith = () => {
      setImmediate(() => controller.abort());
      return undefined;
    };
    const error = await f.engine.completion(call(controller.signal)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliberateError);
    expect((error as DeliberateError).code).toBe("cancelled");
  });

  it("an abort during a retry backoff ends the wait at once", async () => {
    // A backoff this long would time the test out if the abort did not cut it short.
    const slow = await standInWithEngine({
      engine: {
        retry: { attempts: 5, baseDelayMs: 600_000, maxDelayMs: 600_000 },
        logger: (_level, msg) => {
          if (msg.includes("retrying")) controller.abort(reason);
        },
      },
    });
    const controller = new AbortController();
    const reason = new DeliberateError("cancelled", "cancelled by the client");
    try {
      slow.standIn.failNext(503, 5);
      await expect(slow.engine.completion(call(controller.signal))).rejects.toBe(reason);
      expect(slow.standIn.count("/v1/completions")).toBe(1);
    } finally {
      await slow.stop();
    }
  });

  it("the engine's own request timeout closes the connection and is engine_unavailable, not retried", async () => {
    const timed = await standInWithEngine({ engine: { requestTimeoutMs: 30 } });
    try {
      timed.standIn.faults.tokenDelayMs = 50;
      const closed = timed.standIn.nextClose();
      await expect(
        timed.engine.completion({ ...call(new AbortController().signal), signal: undefined }),
      ).rejects.toMatchObject({
        code: "engine_unavailable",
        message: "vLLM did not answer the completion call within 30 ms",
      });
      expect((await closed).tokensSent).toBeLessThan((await closed).totalTokens);
      expect(timed.standIn.count("/v1/completions")).toBe(1);
    } finally {
      await timed.stop();
    }
  });

  it("an already-aborted signal sends nothing", async () => {
    const controller = new AbortController();
    controller.abort(new DeliberateError("cancelled", "gone"));
    await expect(f.engine.completion(call(controller.signal))).rejects.toMatchObject({ code: "cancelled" });
    expect(f.standIn.count("/v1/completions")).toBe(0);
  });

  it("a pipeline aborted in its think step stops vLLM's generation and names the step", async () => {
    const controller = new AbortController();
    f.standIn.replyWith = () => {
      setImmediate(() => controller.abort(new DeliberateError("cancelled", "cancel message")));
      return undefined;
    };
    const closed = f.standIn.nextClose();
    const error = await runPipeline(CompletionRequest.parse({ prompt: "Hi", thinking_effort: "high" }), {
      engine: f.engine,
      budgets: { low: 64, medium: 128, high: 256 },
      answerCap: 64,
      jobId: "j",
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "cancelled", step: "think" });
    await closed;
    expect(f.standIn.completionBodies()).toHaveLength(1);
  });
});
