import { describe, expect, it } from "vitest";
import type { EmbeddingsCall, EmbeddingsOutput } from "../../core/engine.js";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { completionJob, useWorkerHarness } from "../../test/support/runpod/worker-harness.js";

const rp = useWorkerHarness();

/** 1,024 full-precision floats per input: about 20 KB of JSON per vector. */
class WideVectors extends ScriptedEngine {
  override async embeddings(call: EmbeddingsCall): Promise<EmbeddingsOutput> {
    return {
      model: "wide",
      vectors: call.input.map((_, n) =>
        Array.from({ length: 1024 }, (_, i) => -Math.abs(Math.sin(n * 1024 + i + 1))),
      ),
      promptTokens: call.input.length,
    };
  }
}

describe("RunPod edges", () => {
  it("retries a stream POST refused with 5xx, as runpod-python does, and delivers the item", async () => {
    rp.standIn.script("job-stream", { status: 503 }, { status: 500 });
    rp.standIn.enqueue(completionJob("s1", { stream: true }));
    rp.start({ engine: new ScriptedEngine({ fallback: { text: "v" } }) });
    await rp.standIn.waitForDone("s1");
    const posts = rp.standIn.of("job-stream");
    // The first item went out three times (503, 500, then accepted), with the same body.
    expect(posts[0]!.body).toBe(posts[1]!.body);
    expect(posts[1]!.body).toBe(posts[2]!.body);
    const items = posts.slice(2).map((p) => (p.json as { output: { type: string } }).output.type);
    expect(items[0]).toBe("completion.step");
  });

  it("answers a result over RunPod's 20 MB limit with a clear error instead of a silent drop", async () => {
    const input = Array.from({ length: 1100 }, (_, i) => `text ${i}`);
    rp.standIn.enqueue(
      { id: "big", input: { embeddings: { input } } },
      { id: "small", input: { embeddings: { input: ["a"] } } },
    );
    rp.start({ engine: new WideVectors() });
    const big = await rp.standIn.waitForDone("big");
    const small = await rp.standIn.waitForDone("small");
    const body = big.json as { error?: string; output?: unknown };
    expect(body.output).toBeUndefined();
    expect(JSON.parse(body.error!)).toMatchObject({
      error: {
        code: "payload_too_large",
        message: expect.stringMatching(/over RunPod's limit of 20000000 bytes/),
      },
    });
    expect(big.body.length).toBeLessThan(1000);
    expect((small.json as { output: { data: unknown[] } }).output.data).toHaveLength(1);
  });
});
