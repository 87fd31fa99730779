import { afterEach, describe, expect, it } from "vitest";
import { standInWithEngine, type Fixture } from "../../../test/vllm-stand-in/fixture.js";
import type { StandInOptions } from "../../../test/vllm-stand-in/server.js";
import type { CompletionCall } from "../../engine.js";
import { mapFinishReason } from "./bodies.js";
import { errorInfoOf, mapStatus, parseErrorBody } from "./errors.js";

let f: Fixture | undefined;
afterEach(async () => {
  if (!f) return;
  expect(f.standIn.violations).toEqual([]);
  await f.stop();
  f = undefined;
});
async function setup(standIn: StandInOptions = {}, apiKey?: string) {
  f = await standInWithEngine({ standIn, engine: apiKey ? { apiKey } : {} });
  return f;
}

const call: CompletionCall = {
  prompt: "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
  maxTokens: 20,
  sampling: { temperature: 0.6, topP: 0.95, topK: 20, minP: 0 },
  constraint: { kind: "json", schema: { type: "object" } },
};

describe("error mapping against the stand-in", () => {
  it("context overflow: vLLM's 'maximum context length' 400 becomes context_overflow", async () => {
    const { engine } = await setup({ maxModelLen: 64 });
    await expect(engine.completion({ ...call, maxTokens: 60 })).rejects.toMatchObject({
      code: "context_overflow",
      status: 400,
      message: expect.stringContaining("maximum context length is 64 tokens"),
    });
  });

  it("a schema vLLM's backend cannot take becomes schema_unsupported", async () => {
    const { engine, standIn } = await setup();
    standIn.failNext(400, 1, {
      message: "The provided JSON schema contains features not supported by xgrammar.",
      type: "BadRequestError",
    });
    await expect(engine.completion(call)).rejects.toMatchObject({
      code: "schema_unsupported",
      status: 422,
      param: "structured_outputs",
    });
    standIn.failNext(400, 1, { message: "Invalid grammar specification.", type: "BadRequestError" });
    await expect(engine.completion(call)).rejects.toMatchObject({ code: "schema_unsupported" });
  });

  it("any other 400 becomes invalid_request carrying vLLM's message", async () => {
    const { engine, standIn } = await setup();
    standIn.failNext(400, 1, { message: "priority must be 0", type: "BadRequestError" });
    await expect(engine.completion(call)).rejects.toMatchObject({
      code: "invalid_request",
      message: "vLLM rejected the request: priority must be 0",
    });
  });

  it("the legacy flat error shape is read the same way", async () => {
    const { engine, standIn } = await setup({ legacyErrors: true, maxModelLen: 64 });
    await expect(engine.completion({ ...call, maxTokens: 60 })).rejects.toMatchObject({
      code: "context_overflow",
    });
    standIn.failNext(400, 1, {
      message: "Failed to transform regex into a grammar: x",
      type: "BadRequestError",
    });
    await expect(engine.completion(call)).rejects.toMatchObject({ code: "schema_unsupported" });
  });

  it("401 {error: 'Unauthorized'}: engine_error saying vLLM rejected our key", async () => {
    const right = await setup({ apiKey: "right-key" }, "right-key");
    await expect(right.engine.completion(call)).resolves.toBeDefined();
    expect(right.standIn.requests[0]!.headers.authorization).toBe("Bearer right-key");
    await right.stop();
    // With the wrong key the start-up checks fail at /v1/models (/version is open, as in vLLM).
    f = await standInWithEngine({
      standIn: { apiKey: "right-key" },
      engine: { apiKey: "wrong-key" },
      start: false,
    });
    await expect(f.engine.start()).rejects.toMatchObject({
      code: "engine_error",
      message: "vLLM rejected our API key (check VLLM_API_KEY)",
    });
    expect(f.standIn.count("/version")).toBe(1);
    expect(f.standIn.count("/v1/models")).toBe(1);
  });

  it("404 for the model: engine_error naming the model", async () => {
    const { engine, standIn } = await setup();
    standIn.failNext(404, 1, {
      body: {
        error: {
          message: "The model `Qwen/Qwen3-8B` does not exist.",
          type: "NotFoundError",
          param: "model",
          code: 404,
        },
      },
    });
    await expect(engine.completion(call)).rejects.toMatchObject({
      code: "engine_error",
      message: expect.stringContaining("does not serve the model `Qwen/Qwen3-8B`"),
    });
  });

  it("an error inside an HTTP 200 body is an error, not a completion", async () => {
    const { engine, standIn } = await setup();
    standIn.failNext(200, 1, {
      body: {
        error: {
          message: "The model does not support Completions API",
          type: "BadRequestError",
          param: null,
          code: 400,
        },
      },
    });
    await expect(engine.completion(call)).rejects.toMatchObject({
      code: "engine_error",
      message: "vLLM reported an error: The model does not support Completions API",
    });
  });

  it("an error event inside a 200 stream ends the call with engine_error after the deltas before it", async () => {
    const { engine, standIn } = await setup();
    standIn.faults.errorEventAfterTokens = 2;
    const deltas: string[] = [];
    const free = { ...call, constraint: undefined, onDelta: (t: string) => deltas.push(t) };
    await expect(engine.completion(free)).rejects.toMatchObject({
      code: "engine_error",
      message: expect.stringContaining("EngineCore encountered an issue."),
    });
    expect(deltas).toHaveLength(2);
  });

  it("cached tokens are null when vLLM does not report them", async () => {
    const { engine } = await setup({ promptTokensDetails: false });
    await engine.completion(call);
    expect((await engine.completion(call)).cachedTokens).toBeNull();
  });
});

describe("error bodies and statuses", () => {
  const ctx = { model: "m", what: "completion" };

  it("reads the nested, legacy flat, Unauthorized and FastAPI shapes", () => {
    expect(
      errorInfoOf({ error: { message: "bad", type: "BadRequestError", param: "body.prompt", code: 400 } }),
    ).toEqual({
      message: "bad",
      type: "BadRequestError",
      param: "body.prompt",
      code: 400,
    });
    expect(
      errorInfoOf({ object: "error", message: "old", type: "BadRequestError", param: null, code: 400 }),
    ).toEqual({
      message: "old",
      type: "BadRequestError",
      param: null,
      code: 400,
    });
    expect(errorInfoOf({ error: "Unauthorized" })).toEqual({ message: "Unauthorized" });
    expect(errorInfoOf({ detail: "Not Found" })).toEqual({ message: "Not Found" });
    expect(errorInfoOf({ choices: [] })).toBeUndefined();
    expect(parseErrorBody("<html>Bad Gateway</html>")).toEqual({ message: "<html>Bad Gateway</html>" });
    expect(parseErrorBody("")).toBeUndefined();
  });

  it("maps each status to its code and retry class", () => {
    const row = (status: number, message = "x") => {
      const { error, retry } = mapStatus(status, { message }, ctx);
      return [error.code, retry];
    };
    expect(row(400)).toEqual(["invalid_request", "never"]);
    expect(row(400, "This model's maximum context length is 4096 tokens.")).toEqual([
      "context_overflow",
      "never",
    ]);
    expect(row(422, "The provided JSON schema contains features not supported by xgrammar.")).toEqual([
      "schema_unsupported",
      "never",
    ]);
    expect(row(401)).toEqual(["engine_error", "never"]);
    expect(row(404, "The model `m` does not exist.")).toEqual(["engine_error", "never"]);
    expect(row(429)).toEqual(["engine_unavailable", "backoff"]);
    expect(row(503)).toEqual(["engine_unavailable", "backoff"]);
    expect(row(500)).toEqual(["engine_error", "once"]);
    expect(row(501)).toEqual(["engine_error", "never"]);
  });

  it("maps finish reasons: repetition counts as length, unknown ones are an engine error", () => {
    expect(["stop", "length", "repetition", "abort"].map(mapFinishReason)).toEqual([
      "stop",
      "length",
      "length",
      "abort",
    ]);
    expect(() => mapFinishReason("error")).toThrow(/finish_reason "error"/);
    expect(() => mapFinishReason(null)).toThrow(/finish_reason null/);
  });
});
