/**
 * runpod-sdk's cancel and purgeQueue against the local API. The engine is the ScriptedEngine held
 * at a gate, so the job is reliably still running when it is cancelled.
 */
import runpodSdk from "runpod-sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DeliberateError } from "../../core/errors.js";
import { gate } from "../../test/support/runpod/worker-harness.js";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { testService } from "../../test/support/service.js";
import { type RunningLocalApi, startLocalApi } from "./local-api.js";

const KEY = "local-test-key-0123";
let api: RunningLocalApi;
let g: ReturnType<typeof gate>;
let signals: AbortSignal[];

beforeEach(async () => {
  g = gate();
  signals = [];
  const engine = new ScriptedEngine({
    fallback: async (call) => {
      signals.push(call.signal!);
      await g.wait(call.signal);
      return { text: "done" };
    },
  });
  api = await startLocalApi({
    service: testService(engine, { answerCap: 64, maxConcurrency: 1 }),
    apiKey: KEY,
    concurrency: 1,
    streamHoldMs: 50,
  });
});
afterEach(async () => {
  g.release();
  await api.close();
});

const endpoint = () => runpodSdk(KEY, { baseUrl: api.baseUrl }).endpoint("any-endpoint")!;
const input = { prompt: "hold", thinking_effort: "none" };

describe("cancel and purge-queue", () => {
  it("cancel aborts the running pipeline and the job ends CANCELLED", async () => {
    const ep = endpoint();
    const { id } = await ep.run({ input });
    while (signals.length === 0) await ep.statusSync(id, 1_000);
    expect((await ep.status(id)).status).toBe("IN_PROGRESS");

    const cancelled = await ep.cancel(id);
    expect(cancelled).toMatchObject({ id, status: "CANCELLED" });
    expect(signals[0]!.aborted).toBe(true);
    expect((signals[0]!.reason as DeliberateError).code).toBe("cancelled");
    const status = (await ep.status(id)) as unknown as Record<string, unknown>;
    expect(status).toMatchObject({ status: "CANCELLED", completed: true, succeeded: false });
    // A stream of a cancelled job ends at once with the terminal status.
    const chunks: unknown[] = [];
    for await (const chunk of ep.stream(id)) chunks.push(chunk);
    expect(chunks).toEqual([]);
  });

  it("purgeQueue removes the queued jobs, not the running one", async () => {
    const ep = endpoint();
    const running = await ep.run({ input });
    while (signals.length === 0) await ep.statusSync(running.id, 1_000);
    const q1 = await ep.run({ input });
    const q2 = await ep.run({ input });
    expect((await ep.health()).jobs).toMatchObject({ inQueue: 2, inProgress: 1 });

    expect(await ep.purgeQueue()).toEqual({ removed: 2, status: "completed" });
    expect((await ep.status(q1.id)).status).toBe("CANCELLED");
    expect((await ep.status(q2.id)).status).toBe("CANCELLED");
    g.release();
    const done = await ep.statusSync(running.id, 5_000);
    expect(done.status).toBe("COMPLETED");
  });

  it("runsync holds up to wait and answers the non-terminal status when the job is still running", async () => {
    const res = await fetch(`${api.baseUrl}/any-endpoint/runsync?wait=1000`, {
      method: "POST",
      headers: { Authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ input }),
    });
    const body = (await res.json()) as { id: string; status: string };
    expect(body.status).toBe("IN_PROGRESS");
    g.release();
    expect((await endpoint().statusSync(body.id, 5_000)).status).toBe("COMPLETED");
  });

  it("policy.executionTimeout ends a running job TIMED_OUT and aborts its pipeline", async () => {
    const ep = endpoint();
    const { id } = await ep.run({ input, policy: { executionTimeout: 50 } });
    const status = await ep.statusSync(id, 5_000);
    expect(status.status).toBe("TIMED_OUT");
    expect((signals[0]!.reason as DeliberateError).code).toBe("timeout");
  });

  it("rejects a run without input", async () => {
    const res = await fetch(`${api.baseUrl}/any-endpoint/run`, {
      method: "POST",
      headers: { Authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ prompt: "no input wrapper" }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "missing required field: input" });
  });
});
