/** Which engine an entry gets from its config, and where embeddings go. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";
import { startStandIn, type VllmStandIn } from "../../test/vllm-stand-in/server.js";
import { createEngineFromConfig } from "./engine-from-config.js";
import { createLogger } from "./logger.js";

const log = createLogger("silent");

describe("createEngineFromConfig", () => {
  let standIn: VllmStandIn;
  let pooling: VllmStandIn;
  beforeAll(async () => {
    standIn = await startStandIn({ model: "stand-in/model" });
    pooling = await startStandIn({ model: "stand-in/embedder", runner: "pooling" });
  });
  afterAll(async () => {
    await standIn.stop();
    await pooling.stop();
  });

  it("uses vLLM when VLLM_URL is set: plain calls without deltas, streamed with them", async () => {
    const engine = await createEngineFromConfig(
      parseConfig({ VLLM_URL: standIn.url, MODEL_NAME: "stand-in/model" }),
      log,
    );
    expect(engine.kind).toBe("vllm");
    await expect.poll(async () => (await engine.health()).ready, { timeout: 10_000 }).toBe(true);
    standIn.clearRecords();
    const out = await engine.completion({
      prompt: "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
      maxTokens: 8,
      sampling: { temperature: 0, topP: 1, topK: -1, minP: 0 },
      constraint: { kind: "choice", choices: ["yes", "no"] },
    });
    expect(["yes", "no"]).toContain(out.text);
    expect(standIn.completionBodies()[0]).toMatchObject({ stream: false });
    const deltas: string[] = [];
    await engine.completion({
      prompt: "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n",
      maxTokens: 8,
      sampling: { temperature: 0, topP: 1, topK: -1, minP: 0 },
      onDelta: (d) => deltas.push(d),
    });
    expect(standIn.completionBodies()[1]).toMatchObject({ stream: true });
    expect(deltas.length).toBeGreaterThan(0);
    expect(standIn.violations).toEqual([]);
  });

  it("uses the embedded engine otherwise, and sends embeddings to VLLM_EMBEDDINGS_URL when set", async () => {
    const engine = await createEngineFromConfig(
      parseConfig({ ORCH_MODEL: "demo", VLLM_EMBEDDINGS_URL: pooling.url, ORCH_MAX_CONCURRENCY: "1" }),
      log,
    );
    try {
      expect(engine.kind).toBe("llamacpp");
      expect(engine.modelInfo().demo).toBe(true);
      pooling.clearRecords();
      const out = await engine.embeddings({ input: ["a", "bb"] });
      expect(out.vectors).toHaveLength(2);
      expect(pooling.requests.map((r) => r.path)).toEqual(["/v1/embeddings"]);
      // The embedded engine's up-front constraint check survives the embeddings routing.
      await expect(engine.prepareConstraint?.({ kind: "regex", pattern: "(?=a)b" })).rejects.toMatchObject({
        code: "schema_unsupported",
      });
      const completion = await engine.completion({
        prompt: "<|im_start|>user\nhi<|im_end|>\n",
        maxTokens: 4,
        sampling: { temperature: 0, topP: 1, topK: -1, minP: 0 },
      });
      expect(completion.completionTokens).toBeGreaterThan(0);
      expect(pooling.requests.map((r) => r.path)).toEqual(["/v1/embeddings"]);
    } finally {
      await engine.close?.();
    }
  });
});
