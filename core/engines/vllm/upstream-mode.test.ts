import { afterEach, describe, expect, it, vi } from "vitest";
import { standInWithEngine, type Fixture } from "../../../test/vllm-stand-in/fixture.js";
import type { CompletionCall } from "../../engine.js";
import { poolRequest, type UpstreamRequestOptions, vllmPool } from "./upstream.js";

let f: Fixture | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  expect(f?.standIn.violations ?? []).toEqual([]);
  await f?.stop();
  f = undefined;
});

const call = (extra: Partial<CompletionCall> = {}): CompletionCall => ({
  prompt: "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n",
  maxTokens: 200,
  sampling: { temperature: 0.6, topP: 0.95, topK: 20, minP: 0 },
  ...extra,
});

/** The options undici keeps on an Agent (read back to see what the engine built). */
function agentOptions(dispatcher: unknown): { headersTimeout?: number; bodyTimeout?: number } {
  const agent = dispatcher as Record<symbol, unknown>;
  const key = Object.getOwnPropertySymbols(agent).find((s) => s.description === "options");
  return (key ? agent[key] : {}) as { headersTimeout?: number; bodyTimeout?: number };
}

describe("upstream call mode", () => {
  it("without deltas: one plain call (stream false) over a pool with no header or body timeout", async () => {
    const dispatched = vi.spyOn(vllmPool(), "dispatch");
    f = await standInWithEngine();
    dispatched.mockClear();
    const out = await f.engine.completion(call());
    expect(out.text.length).toBeGreaterThan(0);
    expect(f.standIn.completionBodies()).toEqual([expect.objectContaining({ stream: false })]);
    expect(f.standIn.completionBodies()[0]).not.toHaveProperty("stream_options");
    expect(dispatched).toHaveBeenCalledTimes(1);
    expect(dispatched.mock.calls[0]![0]).toMatchObject({ method: "POST", path: "/v1/completions" });
    expect(agentOptions(vllmPool())).toMatchObject({ headersTimeout: 0, bodyTimeout: 0 });
  });

  it("with deltas: streams, and passes every delta on", async () => {
    f = await standInWithEngine();
    const deltas: string[] = [];
    const out = await f.engine.completion(call({ onDelta: (d) => deltas.push(d) }));
    expect(f.standIn.completionBodies()).toEqual([
      expect.objectContaining({ stream: true, stream_options: { include_usage: true } }),
    ]);
    expect(deltas.join("")).toBe(out.text);
  });

  it("consecutive calls reuse one kept-alive connection, plain or streamed", async () => {
    f = await standInWithEngine();
    const { opened } = f.standIn.connections;
    for (let i = 0; i < 3; i++) {
      await f.engine.completion(call());
      await f.engine.completion(call({ onDelta: () => undefined }));
    }
    expect(f.standIn.connections.opened - opened).toBe(0);
  });

  it("a caller's own request function carries every call", async () => {
    const seen: UpstreamRequestOptions[] = [];
    f = await standInWithEngine({
      engine: {
        request: (url, init) => {
          seen.push(init);
          return poolRequest(url, init);
        },
      },
    });
    seen.length = 0;
    await f.engine.completion(call());
    expect(seen).toEqual([expect.objectContaining({ method: "POST" })]);
  });
});
