import { afterEach, describe, expect, it } from "vitest";
import { standInWithEngine, type Fixture } from "../../../test/vllm-stand-in/fixture.js";
import type { StandInOptions } from "../../../test/vllm-stand-in/server.js";
import { DeliberateError } from "../../errors.js";
import { runPipeline } from "../../pipeline.js";
import { CompletionRequest } from "../../protocol.js";
import { createVllmEngine, NOT_ENFORCED, StartupFatalError, type VllmEngineOptions } from "./index.js";
import { poolRequest } from "./upstream.js";
import { checkVersion, parseVersion } from "./startup.js";

let f: Fixture | undefined;
afterEach(async () => {
  if (!f) return;
  expect(f.standIn.violations).toEqual([]);
  await f.stop();
  f = undefined;
});
async function unstarted(standIn: StandInOptions = {}, engine: Partial<VllmEngineOptions> = {}) {
  f = await standInWithEngine({ standIn, engine, start: false });
  return f;
}

const call = {
  prompt: "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
  maxTokens: 10,
  sampling: { temperature: 0.6, topP: 0.95, topK: 20, minP: 0 },
};

describe("start-up checks", () => {
  it("success: ready, with max_model_len from /v1/models, after two canaries answered in digits", async () => {
    const { engine, standIn } = await unstarted({ maxModelLen: 4096 });
    expect(await engine.health()).toEqual({
      ready: false,
      detail: "the vLLM start-up checks have not run yet",
    });
    await expect(engine.completion(call)).rejects.toMatchObject({ code: "engine_unavailable" });
    expect(engine.modelInfo()).toEqual({ model: "Qwen/Qwen3-8B", maxModelLen: 0 });
    await expect(engine.countTokens("x")).rejects.toMatchObject({ code: "engine_unavailable" });

    await expect(engine.start()).resolves.toEqual({ model: "Qwen/Qwen3-8B", maxModelLen: 4096 });
    expect(engine.modelInfo()).toEqual({ model: "Qwen/Qwen3-8B", maxModelLen: 4096 });
    expect(engine.vllmVersion).toBe("0.30.1");
    expect(await engine.health()).toEqual({ ready: true });
    expect(standIn.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /version",
      "GET /v1/models",
      "POST /v1/completions",
      "POST /v1/completions",
      "GET /health",
    ]);
    const [finalShaped, assistantShaped] = standIn.completionBodies();
    for (const body of [finalShaped!, assistantShaped!]) {
      // The prompt asks for the word OK; only a server that enforces the regex answers digits.
      expect(body.prompt).toContain("Reply with the word OK.");
      expect(body).toMatchObject({
        structured_outputs: { regex: "[0-9]{3}" },
        max_tokens: 4,
        temperature: 0,
      });
    }
    expect(finalShaped!.prompt.endsWith("</think>\n\n")).toBe(true);
    expect(assistantShaped!.prompt.endsWith("<|im_start|>assistant\n")).toBe(true);
  });

  it("a vLLM older than 0.11.0 is refused for good with a clear message and stays not ready", async () => {
    // 0.10.2 accepts structured_outputs and silently drops it: too old as well.
    const { engine, standIn } = await unstarted({ version: "0.10.2" });
    const message =
      "vLLM 0.10.2 is too old: Deliberate needs 0.11.0 or later, the first version with structured_outputs";
    const error = await engine.start().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StartupFatalError);
    expect(error).toMatchObject({ code: "engine_error", message });
    expect(await engine.health()).toEqual({ ready: false, detail: message });
    await expect(engine.completion(call)).rejects.toMatchObject({
      code: "engine_unavailable",
      message: `vLLM is not ready: ${message}`,
    });
    expect(standIn.count("/v1/models")).toBe(0);
  });

  it("a pipeline on an engine that failed its checks is engine_unavailable and reaches no completion", async () => {
    const { engine, standIn } = await unstarted();
    standIn.faults.ignoreStructuredOutputs = true;
    await engine.start().catch(() => undefined);
    standIn.clearRecords();
    const run = runPipeline(CompletionRequest.parse({ prompt: "Hi", structured_outputs: { regex: "a" } }), {
      engine,
      budgets: { low: 64, medium: 128, high: 256 },
      answerCap: 64,
      jobId: "j",
    });
    await expect(run).rejects.toMatchObject({
      code: "engine_unavailable",
      message: expect.stringContaining(NOT_ENFORCED),
    });
    expect(standIn.requests).toEqual([]);
  });

  it("an unreadable version fails closed", async () => {
    const { engine } = await unstarted({ version: "unknown" });
    await expect(engine.start()).rejects.toMatchObject({
      code: "engine_error",
      message: expect.stringContaining('vLLM reports version "unknown", which Deliberate cannot read'),
    });
  });

  it("a model vLLM does not serve is named, with what it serves", async () => {
    const { engine, standIn } = await unstarted();
    standIn.faults.omitModel = true;
    await expect(engine.start()).rejects.toMatchObject({
      code: "engine_error",
      message: expect.stringContaining(
        "does not serve the model `Qwen/Qwen3-8B` (it serves: some/other-model)",
      ),
    });
    expect(engine.ready).toBe(false);
  });

  it("a canary that comes back unconstrained: not ready, 'structured outputs are not enforced'", async () => {
    const { engine, standIn } = await unstarted();
    standIn.faults.ignoreStructuredOutputs = true;
    await expect(engine.start()).rejects.toMatchObject({
      code: "engine_error",
      message: expect.stringContaining(NOT_ENFORCED),
    });
    const health = await engine.health();
    expect(health.ready).toBe(false);
    expect(health.detail).toContain(
      "structured outputs are not enforced (is vLLM running with --reasoning-parser?)",
    );
    expect(standIn.count("/v1/completions")).toBe(1);
  });

  it("only the bare-assistant canary failing is enough to refuse", async () => {
    const { engine, standIn } = await unstarted();
    // Like a reasoning parser that only spares prompts already past </think>.
    standIn.replyWith = (body) =>
      body.prompt.endsWith("assistant\n") ? { text: "<think>\nHmm" } : undefined;
    await expect(engine.start()).rejects.toMatchObject({ message: expect.stringContaining(NOT_ENFORCED) });
    expect(standIn.count("/v1/completions")).toBe(2);
  });

  it("a pooling server behind VLLM_URL (no completions route: 404) is refused for good", async () => {
    const { engine } = await unstarted({ runner: "pooling" });
    const error = await engine.start().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StartupFatalError);
    expect(error).toMatchObject({
      code: "engine_error",
      message: "vLLM has no canary completion endpoint here (HTTP 404): Not Found",
    });
  });

  it.each([
    ["a model vLLM does not serve", { omitModel: true }, /does not serve the model/],
    ["constraints that are not enforced", { ignoreStructuredOutputs: true }, /not enforced/],
  ])("%s is a StartupFatalError", async (_name, faults, message) => {
    const { engine, standIn } = await unstarted();
    Object.assign(standIn.faults, faults);
    const error = await engine.start().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StartupFatalError);
    expect((error as Error).message).toMatch(message);
  });

  it("a rejected API key is fatal; refused, 5xx and broken streams are not", async () => {
    const { engine, standIn } = await unstarted({ apiKey: "right-key" });
    await expect(engine.start()).rejects.toBeInstanceOf(StartupFatalError);
    const keyed = createVllmEngine({
      baseUrl: standIn.url,
      model: "Qwen/Qwen3-8B",
      apiKey: "right-key",
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const transient = async () => {
      const error = await keyed.start().then(
        () => "passed",
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(DeliberateError);
      expect(error).not.toBeInstanceOf(StartupFatalError);
    };
    standIn.failNext(500, 1);
    await transient();
    standIn.failNext(503, 1, { path: "/v1/models" });
    await transient();
    standIn.faults.cutAfterTokens = 0; // the stream breaks off before the canary's answer
    await transient();
    standIn.faults.cutAfterTokens = undefined;
    await standIn.refuse();
    await transient();
    await standIn.resume();
    await expect(keyed.start()).resolves.toMatchObject({ model: "Qwen/Qwen3-8B" });
  });

  it("health re-checks GET /health after start", async () => {
    const { engine, standIn } = await unstarted();
    await engine.start();
    standIn.faults.healthStatus = 503;
    expect(await engine.health()).toMatchObject({
      ready: false,
      detail: expect.stringContaining("HTTP 503"),
    });
    standIn.faults.healthStatus = 200;
    expect(await engine.health()).toEqual({ ready: true });
    await standIn.refuse();
    expect(await engine.health()).toMatchObject({
      ready: false,
      detail: expect.stringContaining("unreachable"),
    });
  });
});

describe("waitUntilReady", () => {
  it("polls while vLLM refuses connections, then runs the checks", async () => {
    const { standIn } = await unstarted();
    await standIn.refuse();
    let refused = 0;
    const engine = createVllmEngine({
      baseUrl: standIn.url,
      model: "Qwen/Qwen3-8B",
      request: async (url, init) => {
        try {
          return await poolRequest(url, init);
        } catch (err) {
          if (++refused === 3) await standIn.resume(); // weights loaded
          throw err;
        }
      },
    });
    await expect(engine.waitUntilReady({ intervalMs: 1 })).resolves.toEqual({
      model: "Qwen/Qwen3-8B",
      maxModelLen: 32_768,
    });
    expect(refused).toBe(3);
    expect(engine.ready).toBe(true);
  });

  it("gives up after its timeout with engine_unavailable", async () => {
    const { standIn, engine } = await unstarted();
    await standIn.refuse();
    await expect(engine.waitUntilReady({ intervalMs: 5, timeoutMs: 30 })).rejects.toMatchObject({
      code: "engine_unavailable",
      message: expect.stringContaining("did not become ready within 30 ms"),
    });
  });

  it("stops at once on a failed check that waiting cannot fix", async () => {
    const { standIn, engine } = await unstarted({ version: "0.9.2" });
    await expect(engine.waitUntilReady({ intervalMs: 1 })).rejects.toBeInstanceOf(StartupFatalError);
    expect(standIn.count("/version")).toBe(1);
  });

  it("retries transient failures of probes and canaries (5xx, a 500 on a canary) until it passes", async () => {
    const { standIn, engine } = await unstarted();
    standIn.failNext(503, 2, { path: "/version" });
    standIn.failNext(502, 1, { path: "/v1/models" });
    // Each canary 500 is retried once by the client; three of them fail two start() runs.
    standIn.failNext(500, 3, { message: "EngineCore encountered an issue." });
    await expect(engine.waitUntilReady({ intervalMs: 2 })).resolves.toMatchObject({ maxModelLen: 32_768 });
    expect(engine.ready).toBe(true);
    expect(standIn.count("/version")).toBeGreaterThanOrEqual(5);
  });

  it("stops when its signal fires, with the signal's reason", async () => {
    const { standIn, engine } = await unstarted();
    await standIn.refuse();
    const controller = new AbortController();
    const reason = new DeliberateError("shutting_down", "the server is shutting down");
    const waiting = engine.waitUntilReady({ signal: controller.signal, intervalMs: 600_000 });
    setTimeout(() => controller.abort(reason), 5);
    await expect(waiting).rejects.toBe(reason);
  });
});

describe("version parsing", () => {
  it("reads release, rc, dev and v-prefixed versions and compares them to 0.11.0", () => {
    expect(parseVersion("0.25.1")).toEqual([0, 25, 1]);
    expect(parseVersion("v0.11.0")).toEqual([0, 11, 0]);
    expect(parseVersion("0.10.2rc1")).toEqual([0, 10, 2]);
    expect(parseVersion("0.11.1.dev12+gabcdef")).toEqual([0, 11, 1]);
    expect(parseVersion("main")).toBeUndefined();
    expect(checkVersion({ version: "0.11.0" })).toBe("0.11.0");
    expect(checkVersion({ version: "1.0" })).toBe("1.0");
    expect(() => checkVersion({ version: "0.10.2" })).toThrow(/too old/);
    expect(() => checkVersion({ version: "0.10.9" })).toThrow(/too old/);
    expect(() => checkVersion({})).toThrow(/cannot read/);
  });
});
