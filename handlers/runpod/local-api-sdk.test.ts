/**
 * runpod-sdk (the real npm client) against the local test API, end to end on the embedded engine.
 */
import runpodSdk from "runpod-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningLocalApi, startLocalApi } from "./local-api.js";
import { type DemoStack, startDemoStack } from "../../test/support/demo-service.js";
import { FULL_RUN_STEP_EVENTS } from "../../test/support/step-events.js";

const KEY = "local-test-key-0123";
let stack: DemoStack;
let api: RunningLocalApi;

beforeAll(async () => {
  stack = await startDemoStack(2);
  api = await startLocalApi({
    service: stack.service,
    apiKey: KEY,
    endpointId: "local",
    concurrency: 2,
    streamHoldMs: 200,
  });
});
afterAll(async () => {
  await api?.close();
  await stack?.dispose();
});

const endpoint = () => runpodSdk(KEY, { baseUrl: api.baseUrl }).endpoint("local")!;
const choiceInput = (extra: Record<string, unknown> = {}) => ({
  prompt: "Is the sky blue?",
  thinking_effort: "none",
  structured_outputs: { choice: ["yes", "no"] },
  ...extra,
});

interface Chunk {
  output: { type: string; id: string; step: string; status?: string; text?: string };
}

describe("runpod-sdk against the local API", () => {
  it("runSync answers COMPLETED with the result object", async () => {
    const out = (await endpoint().runSync({ input: choiceInput() })) as unknown as Record<string, unknown>;
    expect(out).toMatchObject({ status: "COMPLETED", started: true, completed: true, succeeded: true });
    expect(out.id).toMatch(/^local-/);
    expect(typeof out.executionTime).toBe("number");
    expect(typeof out.delayTime).toBe("number");
    const result = out.output as { output: string; valid: boolean; effort: string; model: string };
    expect(["yes", "no"]).toContain(result.output);
    expect(result).toMatchObject({ valid: true, effort: "none", model: stack.demo.engine.modelInfo().model });
  });

  it("run queues a job; status reports it until COMPLETED", async () => {
    const ep = endpoint();
    const queued = await ep.run({ input: choiceInput({ thinking_effort: "low" }) });
    expect(queued).toEqual({ id: expect.stringMatching(/^local-/), status: "IN_QUEUE" });
    let status = (await ep.status(queued.id)) as unknown as Record<string, unknown>;
    expect(["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]).toContain(status.status);
    while (!status.completed)
      status = (await ep.statusSync(queued.id, 5_000)) as unknown as Record<string, unknown>;
    status = (await ep.status(queued.id)) as unknown as Record<string, unknown>;
    expect(status).toMatchObject({ id: queued.id, status: "COMPLETED", completed: true, succeeded: true });
    const result = status.output as { steps: { step: string }[]; draft: string };
    expect(result.steps.map((s) => s.step)).toEqual(["think", "draft", "reflect", "final"]);
    expect(["yes", "no"]).toContain(result.draft);
  });

  it("stream yields each step event and delta once, in order, and ends at the terminal status", async () => {
    const ep = endpoint();
    const { id } = await ep.run({
      input: choiceInput({ thinking_effort: "low", stream: true, include_thinking: true }),
    });
    const chunks: Chunk[] = [];
    for await (const chunk of ep.stream(id)) chunks.push(chunk as Chunk);
    const items = chunks.map((c) => c.output);
    expect(items.every((i) => i.id === id)).toBe(true);
    expect(items.filter((i) => i.type === "completion.step").map((i) => `${i.step}:${i.status}`)).toEqual(
      FULL_RUN_STEP_EVENTS,
    );
    const status = (await ep.status(id)) as unknown as {
      status: string;
      output: { text: string; draft: string; thinking: { think: string; reflect: string } };
    };
    expect(status.status).toBe("COMPLETED");
    // Every delta arrived exactly once: together they rebuild each step's text.
    const joined = (step: string) =>
      items
        .filter((i) => i.type === "completion.delta" && i.step === step)
        .map((i) => i.text)
        .join("");
    expect(joined("think")).toBe(status.output.thinking.think);
    expect(joined("draft")).toBe(status.output.draft);
    expect(joined("reflect")).toBe(status.output.thinking.reflect);
    expect(joined("final")).toBe(status.output.text);
    // Nothing is handed out twice.
    const again: unknown[] = [];
    for await (const chunk of ep.stream(id)) again.push(chunk);
    expect(again).toEqual([]);
  });

  it("serves embeddings jobs and worker-vllm's openai_route", async () => {
    const ep = endpoint();
    const a = (await ep.runSync({ input: { embeddings: { input: ["one", "two"] } } })) as unknown as {
      output: { object: string; data: { embedding: number[] }[] };
    };
    expect(a.output.object).toBe("list");
    expect(a.output.data).toHaveLength(2);
    expect(a.output.data[0]!.embedding.length).toBeGreaterThan(0);
    const b = (await ep.runSync({
      input: { openai_route: "/v1/embeddings", openai_input: { input: "x", encoding_format: "base64" } },
    })) as unknown as { status: string; output: { data: { embedding: string }[] } };
    expect(b.status).toBe("COMPLETED");
    expect(typeof b.output.data[0]!.embedding).toBe("string");
  });

  it("a bad input ends FAILED with our envelope JSON-encoded in RunPod's error string", async () => {
    const out = (await endpoint().runSync({ input: { prompt: 5 } })) as unknown as Record<string, unknown>;
    expect(out).toMatchObject({ status: "FAILED", completed: true, succeeded: false });
    expect(JSON.parse(out.error as string)).toMatchObject({
      error: { code: "invalid_request", type: "invalid_request_error", param: "prompt" },
    });
  });

  it("health counts jobs and reports the worker", async () => {
    const health = await endpoint().health();
    expect(health.jobs).toMatchObject({ inQueue: 0, inProgress: 0, retried: 0 });
    expect(health.jobs.completed).toBeGreaterThanOrEqual(4);
    expect(health.jobs.failed).toBeGreaterThanOrEqual(1);
    expect(health.workers).toEqual({ idle: 1, initializing: 0, ready: 1, running: 0, throttled: 0 });
  });

  it("rejects a wrong key and unknown endpoints or jobs", async () => {
    const wrong = runpodSdk("not-the-key", { baseUrl: api.baseUrl }).endpoint("local")!;
    await expect(wrong.health()).rejects.toThrow(/401/);
    // RunPod's hosted API documents the raw key as the header's whole value.
    const rawKey = await fetch(`${api.baseUrl}/local/health`, { headers: { Authorization: KEY } });
    expect(rawKey.status).toBe(200);
    const rawWrong = await fetch(`${api.baseUrl}/local/health`, { headers: { Authorization: "nope" } });
    expect(rawWrong.status).toBe(401);
    const none = await fetch(`${api.baseUrl}/local/health`);
    expect(none.status).toBe(401);
    const other = runpodSdk(KEY, { baseUrl: api.baseUrl }).endpoint("other")!;
    await expect(other.health()).rejects.toThrow(/404/);
    await expect(endpoint().status("local-nope")).rejects.toThrow(/404/);
  });
});
