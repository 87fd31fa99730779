/**
 * The engine host under faults: a native crash, a memory bound, a JS heap bound, a time bound and a
 * cancel while native code is busy. Each fails the requests it must with engine_error naming what
 * happened, ends every other request exactly once, restarts the host, and the next request works.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompletionCall } from "../../../engine.js";
import type { HostEnd } from "./host-process.js";
import { nextEvent, outcome, startTestHost, type TestHost } from "./test-support.js";

const PROMPT = "<|im_start|>user\nName a colour.<|im_end|>\n<|im_start|>assistant\n";
const sampling = (seed: number) => ({ temperature: 0.8, topP: 0.95, topK: 40, minP: 0, seed });
/** A grammar that cannot end for a long time, so generation runs until stopped. */
const ENDLESS = { kind: "grammar", grammar: "root ::= [a-z ]{1500,}" } as const;
/** Nested optional repeats: llama.cpp's grammar sampler takes seconds for each token of it. */
const SLOW_REGEX = { kind: "regex", pattern: "(((a|b)?){12}){12}c" } as const;

const long = (seed: number, extra: Partial<CompletionCall> = {}): CompletionCall => ({
  prompt: PROMPT,
  maxTokens: 4000,
  constraint: ENDLESS,
  sampling: sampling(seed),
  ...extra,
});

/** Starts a streamed completion and resolves once its first delta arrived. */
function started(host: TestHost, call: CompletionCall) {
  let deltasAfterEnd = 0;
  let ended = false;
  let first!: () => void;
  const streaming = new Promise<void>((resolve) => (first = resolve));
  const result = outcome(
    host.engine.completion({
      ...call,
      onDelta: () => {
        if (ended) deltasAfterEnd++;
        first();
      },
    }),
  ).finally(() => (ended = true));
  return { streaming, result, deltasAfterEnd: () => deltasAfterEnd };
}

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({
    engine: { concurrency: 2 },
    stallMs: 8000,
    limits: { maxHeapMb: 96, rssHeadroomMb: 256 },
  });
}, 120_000);
afterAll(() => host?.dispose());

describe("engine host: crash", () => {
  it("fails the running requests with engine_error, runs the queued one on the new host, and serves on", async () => {
    const running = [started(host, long(1)), started(host, long(2))];
    await Promise.all(running.map((r) => r.streaming));
    // Both sequences are busy: this one waits on the server side and never reaches the old host.
    const queued = outcome(host.engine.completion({ prompt: PROMPT, maxTokens: 8, sampling: sampling(3) }));
    const exit = nextEvent<HostEnd>(host.engine, "exit");
    const up = nextEvent(host.engine, "up");
    const crashedAt = performance.now();
    host.engine.fault({ fault: "crash", signal: "SIGSEGV" });
    expect((await exit).reason).toBe("crashed (SIGSEGV)");
    for (const run of running) {
      const res = await run.result;
      expect(res.ok).toBe(false);
      expect(res.ok ? undefined : res.error.code).toBe("engine_error");
      expect(res.ok ? "" : res.error.message).toMatch(/crashed \(SIGSEGV\) while this request ran/);
      expect(run.deltasAfterEnd()).toBe(0);
    }
    await up;
    const recovered = performance.now() - crashedAt;
    const later = await queued;
    expect(later.ok).toBe(true);
    expect(later.ok && later.value.completionTokens).toBeGreaterThan(0);
    const next = await host.engine.completion({
      prompt: PROMPT,
      maxTokens: 4,
      constraint: { kind: "choice", choices: ["yes", "no"] },
      sampling: sampling(4),
    });
    expect(["yes", "no"]).toContain(next.text);
    const health = await host.engine.health();
    expect(health).toMatchObject({ ready: true, host: { state: "up", crashes: 1, restarts: 1 } });
    console.log(`engine host: SIGSEGV → serving again after ${Math.round(recovered)} ms`);
  }, 60_000);
});

describe("engine host: cancel while native code is busy", () => {
  it("frees a cancelled sequence at once when the host acknowledges", async () => {
    const controller = new AbortController();
    const run = started(host, long(5, { signal: controller.signal }));
    await run.streaming;
    const cancel = nextEvent<{ acked: boolean; ms: number }>(host.engine, "cancel");
    controller.abort();
    const res = await run.result;
    expect(res.ok ? undefined : res.error.code).toBe("cancelled");
    expect((await cancel).acked).toBe(true);
    expect(host.engine.stats().available).toBe(2);
  });

  it("kills and restarts a host that does not free the sequence within its 60 ms grace (freed within 100 ms); the others get one outcome each", async () => {
    const before = host.engine.status().restarts;
    const bystander = started(host, long(6));
    await bystander.streaming;
    const controller = new AbortController();
    const slow = outcome(
      host.engine.completion({
        prompt: PROMPT,
        maxTokens: 8,
        constraint: SLOW_REGEX,
        sampling: sampling(7),
        signal: controller.signal,
      }),
    );
    // Inside the first token's grammar sampling, which takes seconds.
    await new Promise((r) => setTimeout(r, 500));
    const cancel = nextEvent<{ acked: boolean; ms: number }>(host.engine, "cancel");
    const up = nextEvent(host.engine, "up");
    const abortedAt = performance.now();
    controller.abort();
    const res = await slow;
    const freedMs = performance.now() - abortedAt;
    expect(res.ok ? undefined : res.error.code).toBe("cancelled");
    const event = await cancel;
    expect(event.acked).toBe(false);
    // Generous bound for a loaded machine; the figure is printed below.
    expect(freedMs).toBeLessThan(1000);
    const other = await bystander.result;
    expect(host.engine.stats().available).toBe(2);
    expect(other.ok ? undefined : other.error.code).toBe("engine_error");
    expect(other.ok ? "" : other.error.message).toMatch(
      /another request held a cancelled request's sequence/,
    );
    await up;
    const upMs = performance.now() - abortedAt;
    expect(host.engine.status()).toMatchObject({ state: "up", restarts: before + 1 });
    const next = await host.engine.completion({ prompt: PROMPT, maxTokens: 4, sampling: sampling(8) });
    expect(next.completionTokens).toBeGreaterThan(0);
    console.log(
      `engine host: cancel during a busy grammar: freed in ${event.ms.toFixed(1)} ms (request ended in ${freedMs.toFixed(1)} ms), new host up in ${Math.round(upMs)} ms`,
    );
  }, 60_000);
});

describe("engine host: bounds", () => {
  it("fails a request that exceeds the time bound, naming it, and re-sends an untouched bystander", async () => {
    const exit = nextEvent<HostEnd>(host.engine, "exit");
    const slow = outcome(
      host.engine.completion({
        prompt: PROMPT,
        maxTokens: 8,
        constraint: { kind: "regex", pattern: "((((a|b)?){6}){6}){6}c" },
        sampling: sampling(9),
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    // Read-only: answered by the old host, or re-sent to the new one if the old one is killed first.
    const bystander = outcome(host.engine.countTokens("<|im_start|>user\nhi<|im_end|>"));
    const res = await slow;
    expect(res.ok ? undefined : res.error.code).toBe("engine_error");
    expect(res.ok ? "" : res.error.message).toMatch(
      /exceeded the engine host's time bound \(no progress for 8 s\)/,
    );
    expect((await exit).attributed).toBe(true);
    const other = await bystander;
    expect(other).toEqual({ ok: true, value: 8 });
  }, 60_000);

  it("kills a host whose RSS exceeds its bound and fails the running request naming the bound", async () => {
    const bound = host.engine.status().rssBoundMb!;
    expect(bound).toBeGreaterThan(0);
    const run = started(host, long(10));
    await run.streaming;
    const exit = nextEvent<HostEnd>(host.engine, "exit");
    host.engine.fault({ fault: "rss", mb: 256 + 64 });
    expect((await exit).reason).toMatch(/exceeded its memory bound \(RSS \d+ MB > \d+ MB\)/);
    const res = await run.result;
    expect(res.ok ? undefined : res.error.code).toBe("engine_error");
    expect(res.ok ? "" : res.error.message).toMatch(/memory bound/);
    await nextEvent(host.engine, "up");
  }, 60_000);

  it("reports a host that ran out of its JS heap as exceeding that bound", async () => {
    const run = started(host, long(11));
    await run.streaming;
    const exit = nextEvent<HostEnd>(host.engine, "exit");
    host.engine.fault({ fault: "heap" });
    expect((await exit).reason).toMatch(/exceeded its JS heap bound \(--max-old-space-size=96 MB\)/);
    const res = await run.result;
    expect(res.ok ? "" : res.error.message).toMatch(/JS heap bound/);
    await nextEvent(host.engine, "up");
    expect((await host.engine.health()).ready).toBe(true);
  }, 60_000);
});
