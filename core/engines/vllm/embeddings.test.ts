import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { standInWithEngine, type Fixture } from "../../../test/vllm-stand-in/fixture.js";
import { startStandIn, type VllmStandIn } from "../../../test/vllm-stand-in/server.js";
import { createVllmEngine } from "./index.js";

let generate: Fixture;
let pooling: VllmStandIn;
beforeEach(async () => {
  pooling = await startStandIn({ runner: "pooling", model: "Qwen/Qwen3-Embedding-0.6B", embeddingDims: 16 });
  generate = await standInWithEngine({ engine: {} });
});
afterEach(async () => {
  expect(generate.standIn.violations).toEqual([]);
  expect(pooling.violations).toEqual([]);
  await generate.stop();
  await pooling.stop();
});

const engineWith = (embeddingsUrl: string | undefined, embeddingsModel?: string) =>
  createVllmEngine({
    baseUrl: generate.standIn.url,
    model: "Qwen/Qwen3-8B",
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
    ...(embeddingsUrl ? { embeddingsUrl } : {}),
    ...(embeddingsModel ? { embeddingsModel } : {}),
  });

describe("embeddings", () => {
  it("go to the embeddings server, not the generation server, in OpenAI's shape", async () => {
    const engine = engineWith(`${pooling.url}/`, "Qwen/Qwen3-Embedding-0.6B");
    const out = await engine.embeddings({ input: ["alpha", "beta gamma"] });
    expect(out.model).toBe("Qwen/Qwen3-Embedding-0.6B");
    expect(out.vectors).toHaveLength(2);
    expect(out.vectors.map((v) => v.length)).toEqual([16, 16]);
    expect(Math.hypot(...out.vectors[0]!)).toBeCloseTo(1, 6);
    expect(out.vectors[0]).not.toEqual(out.vectors[1]);
    expect(out.promptTokens).toBe(5); // usage.prompt_tokens as the stand-in counted
    expect(pooling.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      [
        "POST",
        "/v1/embeddings",
        { model: "Qwen/Qwen3-Embedding-0.6B", input: ["alpha", "beta gamma"], encoding_format: "float" },
      ],
    ]);
    expect(generate.standIn.count("/v1/embeddings")).toBe(0);
  });

  it("pass dimensions and a per-call model through, and keep input order", async () => {
    const engine = engineWith(pooling.url);
    const one = await engine.embeddings({ input: ["beta gamma"], dimensions: 4 });
    const both = await engine.embeddings({
      input: ["alpha", "beta gamma"],
      dimensions: 4,
      model: "Qwen/Qwen3-Embedding-0.6B",
    });
    expect(both.vectors[1]).toEqual(one.vectors[0]);
    expect(pooling.requests[0]!.body).toEqual({
      input: ["beta gamma"],
      encoding_format: "float",
      dimensions: 4,
    });
    expect(pooling.requests[1]!.body).toMatchObject({ model: "Qwen/Qwen3-Embedding-0.6B", dimensions: 4 });
  });

  it("without an embeddings URL: engine_unavailable 'no embeddings server configured'", async () => {
    await expect(engineWith(undefined).embeddings({ input: ["x"] })).rejects.toMatchObject({
      code: "engine_unavailable",
      message: "no embeddings server configured",
    });
  });

  it("an embeddings URL that points at a generation server is an engine error", async () => {
    await expect(engineWith(generate.standIn.url).embeddings({ input: ["x"] })).rejects.toMatchObject({
      code: "engine_error",
      message: expect.stringContaining("no embeddings endpoint"),
    });
  });

  it("the wrong model on the embeddings server is named", async () => {
    await expect(engineWith(pooling.url, "other/model").embeddings({ input: ["x"] })).rejects.toMatchObject({
      code: "engine_error",
      message: expect.stringContaining("does not serve the model `other/model`"),
    });
  });

  it("an embeddings server that is down is engine_unavailable after the retries", async () => {
    const engine = engineWith(pooling.url);
    await pooling.refuse();
    await expect(engine.embeddings({ input: ["x"] })).rejects.toMatchObject({ code: "engine_unavailable" });
  });
});
