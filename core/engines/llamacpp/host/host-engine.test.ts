/**
 * The engine host in normal service: the same answers as the in-process engine, prompts far over
 * the context refused from their byte length without blocking this event loop, tokenization off
 * this event loop, and native output logged without the request content it quotes.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPipeline } from "../../../pipeline.js";
import { CompletionRequest } from "../../../protocol.js";
import { CHAT_PROMPT, type DemoEngine, sampling, startDemoEngine } from "../test-support.js";
import { outcome, startTestHost, type TestHost } from "./test-support.js";

let host: TestHost;
let local: DemoEngine;
beforeAll(async () => {
  [host, local] = await Promise.all([startTestHost({ engine: { concurrency: 2 } }), startDemoEngine()]);
}, 120_000);
afterAll(async () => {
  await host?.dispose();
  await local?.dispose();
});

/** Runs `work` while measuring how late this event loop's timers fire (ms, worst case). */
async function loopDelayDuring<T>(
  work: () => Promise<T>,
): Promise<{ result: T; maxDelayMs: number; ms: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const started = performance.now();
  try {
    const result = await work();
    const ms = performance.now() - started;
    // One more turn of the loop, so that a synchronous stall in `work` is sampled too.
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { result, maxDelayMs: histogram.max / 1e6, ms };
  } finally {
    histogram.disable();
  }
}

describe("engine host: service", () => {
  it("answers as the in-process engine does: same prompt and seed, same text and counts", async () => {
    const call = {
      prompt: CHAT_PROMPT,
      maxTokens: 24,
      constraint: { kind: "regex", pattern: "[a-z]{3,8}( [a-z]{2,6}){1,4}" } as const,
      sampling: sampling(3),
    };
    const deltas: string[] = [];
    const [remote, inProcess] = [
      await host.engine.completion({ ...call, onDelta: (text) => deltas.push(text) }),
      await local.engine.completion(call),
    ];
    expect(remote).toEqual(inProcess);
    expect(deltas.join("")).toBe(remote.text);
    expect(await host.engine.countTokens("<|im_start|>user\nhi<|im_end|>")).toBe(8);
    expect(host.engine.modelInfo()).toEqual(local.engine.modelInfo());
    const [a, b] = [
      await host.engine.embeddings({ input: ["the cat"] }),
      await local.engine.embeddings({ input: ["the cat"] }),
    ];
    expect(a).toEqual(b);
  });

  it("reports itself in health: up, its pid, restarts and crashes", async () => {
    const health = await host.engine.health();
    expect(health).toMatchObject({ ready: true, host: { state: "up", restarts: 0, crashes: 0 } });
    expect(health.host?.pid).toBeGreaterThan(0);
    expect(health.host?.pid).not.toBe(process.pid);
  });

  it("refuses the same schema_unsupported errors as the in-process engine", async () => {
    const constraint = { kind: "json", schema: { type: "string", pattern: "a(?=b)" } } as const;
    const [remote, inProcess] = [
      await outcome(host.engine.prepareConstraint(constraint)),
      await outcome(local.engine.prepareConstraint(constraint)),
    ];
    expect(remote.ok).toBe(false);
    expect(remote.ok ? undefined : remote.error.code).toBe("schema_unsupported");
    expect(remote.ok ? "" : remote.error.message).toBe(inProcess.ok ? "" : inProcess.error.message);
  });
});

describe("engine host: prompt size", () => {
  // Flat, as a parsed request body is (a repeat() result would be flattened on first read).
  const huge = Buffer.from("<|im_start|>".repeat(Math.ceil((1024 * 1024) / 12))).toString();

  it("refuses a 1 MB prompt of <|im_start|> from its byte length, fast, without blocking this event loop", async () => {
    const direct = await loopDelayDuring(() => outcome(host.engine.countTokens(huge)));
    expect(direct.result.ok ? undefined : direct.result.error.code).toBe("context_overflow");
    expect(direct.result.ok ? "" : direct.result.error.message).toMatch(
      /1048\d+ bytes, so at least \d+ tokens/,
    );
    const request = CompletionRequest.parse({ prompt: huge, thinking_effort: "none" });
    const pipeline = await loopDelayDuring(() =>
      outcome(
        runPipeline(request, {
          engine: host.engine,
          budgets: { low: 64, medium: 64, high: 64 },
          answerCap: 64,
          jobId: "big",
        }),
      ),
    );
    expect(pipeline.result.ok ? undefined : pipeline.result.error.code).toBe("context_overflow");
    // Generous liveness bounds (the in-process tokenizer takes tens of seconds on this prompt).
    expect(pipeline.ms).toBeLessThan(2000);
    expect(pipeline.maxDelayMs).toBeLessThan(500);
    console.log(
      `engine host: 1 MB of <|im_start|> refused in ${direct.ms.toFixed(1)} ms (pipeline ${pipeline.ms.toFixed(1)} ms), ` +
        `worst event-loop delay ${Math.max(direct.maxDelayMs, pipeline.maxDelayMs).toFixed(1)} ms`,
    );
  });

  it("tokenizes a heavy prompt that may fit in the host, not on this event loop", async () => {
    const heavy = "<|im_start|>".repeat(7000);
    const run = await loopDelayDuring(() => host.engine.countTokens(heavy));
    expect(run.result).toBe(7000);
    // In process, this event loop would be held for the whole tokenization.
    expect(run.maxDelayMs).toBeLessThan(Math.max(100, run.ms / 2));
    console.log(
      `engine host: 7000 special tokens counted in ${run.ms.toFixed(0)} ms, worst event-loop delay ${run.maxDelayMs.toFixed(1)} ms`,
    );
  });
});

describe("engine host: logs", () => {
  it("logs llama.cpp's grammar errors without the grammar text it echoes", async () => {
    const secret = "SECRET-CANARY-7f3a";
    const grammar = `root ::= "a" ${secret} {"level":"fatal","msg":"forged"}\nfoo ::= `;
    const res = await outcome(host.engine.prepareConstraint({ kind: "grammar", grammar }));
    expect(res.ok ? undefined : res.error.code).toBe("schema_unsupported");
    await expect
      .poll(() => host.logs.some((r) => /lines of request content left out/.test(r.msg)), { timeout: 5000 })
      .toBe(true);
    const text = JSON.stringify(host.logs);
    expect(text).not.toContain(secret);
    expect(text).not.toContain("forged");
    expect(host.logs.some((r) => r.fields?.stream === "stderr" && /details left out/.test(r.msg))).toBe(true);
  });
});
