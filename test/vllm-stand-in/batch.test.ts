import { afterEach, describe, expect, it } from "vitest";
import { startStandIn, type VllmStandIn } from "./server.js";

let standIn: VllmStandIn | undefined;
afterEach(async () => {
  await standIn?.stop();
  standIn = undefined;
});

const body = (model: string) =>
  JSON.stringify({
    model,
    prompt: "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n",
    max_tokens: 8,
  });

async function gauges(url: string): Promise<{ running: number; waiting: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^vllm:${name}\\{[^}]*\\} (\\d+)$`, "m").exec(text)?.[1]);
  return { running: read("num_requests_running"), waiting: read("num_requests_waiting") };
}

describe("batching (--max-num-seqs)", () => {
  it("runs up to max-num-seqs completions at once, queues the rest, and reports both in /metrics", async () => {
    standIn = await startStandIn({ maxNumSeqs: 2 });
    standIn.faults.tokenDelayMs = 30;
    const { url } = standIn;
    const model = standIn.options.model;
    const started = performance.now();
    const calls = Array.from({ length: 4 }, () =>
      fetch(`${url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: body(model),
      }).then(async (res) => {
        expect(res.status).toBe(200);
        await res.json();
        return performance.now() - started;
      }),
    );
    await expect.poll(() => gauges(url)).toEqual({ running: 2, waiting: 2 });
    const ends = (await Promise.all(calls)).sort((a, b) => a - b);
    // The last two waited for the first two: their ends are at least one generation later.
    expect(ends[2]! - ends[0]!).toBeGreaterThan(100);
    expect(await gauges(url)).toEqual({ running: 0, waiting: 0 });
    expect(standIn.violations).toEqual([]);
  });

  it("a client that leaves while waiting gives its place up", async () => {
    standIn = await startStandIn({ maxNumSeqs: 1 });
    standIn.faults.tokenDelayMs = 20;
    const { url } = standIn;
    const model = standIn.options.model;
    const post = (signal?: AbortSignal) =>
      fetch(`${url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: body(model),
        ...(signal ? { signal } : {}),
      });
    const first = post();
    const controller = new AbortController();
    const second = post(controller.signal).catch(() => "aborted");
    await expect.poll(() => gauges(url)).toEqual({ running: 1, waiting: 1 });
    controller.abort();
    expect(await second).toBe("aborted");
    await (await first).json();
    await expect.poll(() => gauges(url)).toEqual({ running: 0, waiting: 0 });
  });

  it("--call-delay-ms holds every completion before its first token", async () => {
    standIn = await startStandIn();
    standIn.faults.callDelayMs = 150;
    const started = performance.now();
    const res = await fetch(`${standIn.url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body(standIn.options.model),
    });
    await res.json();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});
