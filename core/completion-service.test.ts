import { describe, expect, it } from "vitest";
import { ScriptedEngine } from "../test/support/scripted-engine.js";
import {
  CompletionService,
  type CompletionServiceOptions,
  type SettledRecord,
} from "./completion-service.js";
import { DEFAULT_BUDGETS } from "./effort.js";
import { DeliberateError } from "./errors.js";
import { generateKey } from "./seal.js";
import { FULL_RUN_STEP_EVENTS } from "../test/support/step-events.js";
import { sleep } from "./sleep.js";

function service(engine: ScriptedEngine, over: Partial<CompletionServiceOptions> = {}) {
  const settled: SettledRecord[] = [];
  const svc = new CompletionService({
    engine,
    budgets: DEFAULT_BUDGETS,
    answerCap: 256,
    maxConcurrency: 2,
    maxQueue: 2,
    requestTimeoutMs: 60_000,
    cache: { ttlMs: 60_000, maxEntries: 100 },
    sealKey: generateKey(),
    onSettled: (r) => settled.push(r),
    ...over,
  });
  return { svc, settled };
}

const none = (prompt: string, extra: object = {}) => ({ prompt, thinking_effort: "none", ...extra });

describe("CompletionService", () => {
  it("names the offending param of an invalid request", async () => {
    const { svc, settled } = service(new ScriptedEngine());
    await expect(svc.submit({ prompt: "x", temperature: 9 })).rejects.toMatchObject({
      code: "invalid_request",
      param: "temperature",
    });
    await expect(svc.submit({ prompt: "x", bogus: 1 })).rejects.toMatchObject({ code: "invalid_request" });
    expect(settled.map((r) => r.outcome)).toEqual(["invalid_request", "invalid_request"]);
  });

  it("runs the constraint front door before the cache key: hostile constraints are invalid_request", async () => {
    const engine = new ScriptedEngine({ fallback: { text: "null" } });
    const { svc, settled } = service(engine);
    let deep: Record<string, unknown> = { type: "null" };
    for (let i = 0; i < 5000; i++) deep = { type: "object", properties: { a: deep } };
    const seeded = (json: unknown) => none("x", { seed: 1, structured_outputs: { json } });
    await expect(svc.submit(seeded(deep))).rejects.toMatchObject({ code: "invalid_request" });
    await expect(svc.submit(seeded(JSON.parse('{"const": 1e999}')))).rejects.toMatchObject({
      code: "invalid_request",
    });
    // Infinity was never keyed as null: an enum of null is its own request and succeeds.
    const result = await svc.submit(seeded({ enum: [null] }));
    expect(result.output).toBeNull();
    expect(settled.map((r) => r.outcome)).toEqual(["invalid_request", "invalid_request", "ok"]);
  });

  it("reports unknown schema keywords as warnings in the result, cached or not", async () => {
    const engine = new ScriptedEngine({ fallback: { text: "null" } });
    const { svc } = service(engine);
    const request = none("x", { seed: 1, structured_outputs: { json: { type: "null", requried: [] } } });
    const first = await svc.submit(request);
    expect(first.warnings).toEqual([expect.stringContaining('"requried"')]);
    const again = await svc.submit(request);
    expect(again.cached).toBe(true);
    expect(again.warnings).toEqual(first.warnings);
    const plain = await svc.submit(none("x", { seed: 2, structured_outputs: { json: { type: "null" } } }));
    expect(plain.warnings).toBeUndefined();
  });

  it("uses the caller's job id everywhere when it gives one (a RunPod job id)", async () => {
    const engine = new ScriptedEngine({ fallback: { text: "answer" } });
    const { svc, settled } = service(engine);
    let queuedAs: string | undefined;
    const result = await svc.submit(
      { prompt: "hi", thinking_effort: "none" },
      { jobId: "rp-job-42", onQueued: (_position, jobId) => (queuedAs = jobId) },
    );
    expect(result.job_id).toBe("rp-job-42");
    expect(queuedAs).toBe("rp-job-42");
    expect(settled.at(-1)?.jobId).toBe("rp-job-42");
  });

  it("runs the pipeline, reports queue position and step events", async () => {
    const engine = new ScriptedEngine({ fallback: { text: "answer" } });
    const steps: string[] = [];
    const { svc } = service(engine);
    let queued: [number, string] | undefined;
    const result = await svc.submit(
      { prompt: "hi", thinking_effort: "low" },
      {
        onQueued: (position, jobId) => {
          queued = [position, jobId];
        },
        onEvent: (e) => {
          if (e.type === "step") steps.push(`${e.step}:${e.status}`);
        },
      },
    );
    expect(queued?.[0]).toBe(0);
    expect(result.job_id).toBe(queued?.[1]);
    expect(result.cached).toBe(false);
    expect(steps).toEqual(FULL_RUN_STEP_EVENTS);
  });

  it("answers a deterministic repeat from the cache, and only successes", async () => {
    let calls = 0;
    const engine = new ScriptedEngine({
      fallback: () => {
        calls++;
        return calls === 1 ? { text: "x", finishReason: "length" } : { text: `a${calls}` };
      },
    });
    const { svc } = service(engine);
    const req = none("q", { temperature: 0 });
    await expect(svc.submit(req)).rejects.toMatchObject({ code: "answer_truncated" });
    const first = await svc.submit(req);
    const second = await svc.submit({ ...req, stream: true });
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.text).toBe(first.text);
    expect(second.job_id).not.toBe(first.job_id);
    expect(calls).toBe(2);
    // Non-deterministic requests always run.
    await svc.submit(none("q"));
    await svc.submit(none("q"));
    expect(calls).toBe(4);
  });

  it("does not cache when the bound is 0", async () => {
    const engine = new ScriptedEngine({ fallback: { text: "a" } });
    const { svc } = service(engine, { cache: { ttlMs: 60_000, maxEntries: 0 } });
    await svc.submit(none("q", { seed: 3 }));
    const again = await svc.submit(none("q", { seed: 3 }));
    expect(again.cached).toBe(false);
    expect(engine.calls.length).toBe(2);
  });

  it("times out at the deadline and aborts the engine call", async () => {
    const engine = new ScriptedEngine({ delayMs: 60_000 });
    const { svc } = service(engine, { requestTimeoutMs: 50 });
    await expect(svc.submit(none("slow"))).rejects.toMatchObject({ code: "timeout", step: "final" });
    expect(engine.calls[0]?.signal?.aborted).toBe(true);
  });

  it("passes the caller's cancellation to the engine", async () => {
    const engine = new ScriptedEngine({ delayMs: 60_000 });
    const { svc } = service(engine);
    const controller = new AbortController();
    const pending = svc.submit(none("slow"), { signal: controller.signal });
    await sleep(10);
    controller.abort(new DeliberateError("cancelled", "client cancelled"));
    await expect(pending).rejects.toMatchObject({ code: "cancelled" });
    expect(engine.calls[0]?.signal?.aborted).toBe(true);
    expect(svc.stats()).toMatchObject({ running: 0, inFlight: 0 });
  });

  it("answers queue_full beyond concurrency plus queue", async () => {
    const engine = new ScriptedEngine({ delayMs: 60_000 });
    const { svc } = service(engine, { maxConcurrency: 1, maxQueue: 1 });
    const controller = new AbortController();
    const positions: number[] = [];
    const a = svc.submit(none("a"), { signal: controller.signal, onQueued: (p) => positions.push(p) });
    const b = svc.submit(none("b"), { signal: controller.signal, onQueued: (p) => positions.push(p) });
    await expect(svc.submit(none("c"))).rejects.toMatchObject({ code: "queue_full" });
    expect(positions).toEqual([0, 1]);
    expect(svc.stats()).toMatchObject({ running: 1, queued: 1 });
    controller.abort(new DeliberateError("cancelled", "done"));
    await Promise.allSettled([a, b]);
  });

  it("drains: refuses new work, lets short work finish, aborts the rest with shutting_down", async () => {
    const engine = new ScriptedEngine({
      fallback: (call) => (call.prompt.includes("long") ? new Promise(() => {}) : { text: "ok" }),
      delayMs: 30,
    });
    const { svc } = service(engine);
    const short = svc.submit(none("short"));
    const long = svc.submit(none("long"));
    // The long one hangs inside an engine that ignores its signal: drain must still end it.
    const hang = long.catch((e: DeliberateError) => e);
    await sleep(5);
    const draining = svc.drain(200);
    await expect(svc.submit(none("late"))).rejects.toMatchObject({ code: "shutting_down" });
    expect((await short).text).toBe("ok");
    await draining;
    expect(svc.stats().inFlight).toBe(0);
    const err = await Promise.race([hang, new Promise((r) => setTimeout(() => r("still running"), 1000))]);
    expect(err).toMatchObject({ code: "shutting_down", step: "final" });
  });
});
