import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createVllmEngine } from "../../core/engines/vllm/index.js";
import { jsonInstance, regexInstance } from "./generate.js";
import { startStandIn, type VllmStandIn } from "./server.js";

let standIn: VllmStandIn;
beforeEach(async () => {
  standIn = await startStandIn({ model: "m", maxModelLen: 1000 });
});
afterEach(() => standIn.stop());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${standIn.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
const ok = { model: "m", prompt: "Hello", max_tokens: 5 };

describe("request validation: what real vLLM would silently mis-handle is a recorded violation", () => {
  it.each([
    ["an unknown field", { ...ok, max_new_tokens: 5 }, /max_new_tokens/],
    [
      "a removed guided_* field",
      { ...ok, guided_json: { type: "object" } },
      /guided_\* field\(s\) sent: guided_json/,
    ],
    [
      "stream_options with stream false",
      { ...ok, stream: false, stream_options: { include_usage: true } },
      /stream=True/,
    ],
    [
      "two structured_outputs keys",
      { ...ok, structured_outputs: { regex: "a", choice: ["a"] } },
      /exactly one/,
    ],
    [
      "no structured_outputs key",
      { ...ok, structured_outputs: { disable_any_whitespace: true } },
      /exactly one/,
    ],
    ["a wrong type", { ...ok, max_tokens: "5" }, /max_tokens/],
    ["a batch of prompts", { ...ok, prompt: ["a", "b"] }, /one prompt/],
  ])("%s → 400 in vLLM's Bad Request shape", async (_name, body, pattern) => {
    const res = await post("/v1/completions", body);
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { type: string; code: number; message: string } };
    expect(json.error).toMatchObject({ type: "Bad Request", code: 400 });
    expect(standIn.violations).toHaveLength(1);
    expect(standIn.violations[0]).toMatch(pattern);
  });

  it("a token-id prompt is decoded with the vocabulary; an id out of it is vLLM's 400", async () => {
    const ids = ((await (await post("/tokenize", { prompt: "<think>\n" })).json()) as { tokens: number[] })
      .tokens;
    const byIds = await post("/v1/completions", { ...ok, prompt: ids, max_tokens: 100, stop: ["</think>"] });
    const byText = await post("/v1/completions", {
      ...ok,
      prompt: "<think>\n",
      max_tokens: 100,
      stop: ["</think>"],
    });
    const text = async (res: Response) =>
      ((await res.json()) as { choices: { text: string }[] }).choices[0]!.text;
    expect(await text(byIds)).toBe(await text(byText));
    const unknown = await post("/v1/completions", { ...ok, prompt: [151_642, 151_642] });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(
      /out of vocabulary/,
    );
    expect(standIn.violations).toEqual([]);
  });

  it("rejects a POST without Content-Type: application/json", async () => {
    const res = await fetch(`${standIn.url}/v1/completions`, { method: "POST", body: JSON.stringify(ok) });
    expect(res.status).toBe(400);
    expect(standIn.violations[0]).toMatch(/Content-Type/);
  });

  it("checks embeddings and tokenize bodies too", async () => {
    expect((await post("/tokenize", { prompt: "x", add_special_token: false })).status).toBe(400);
    expect((await post("/v1/embeddings", { input: "x", encoding: "float" })).status).toBe(404); // generate server
    expect(standIn.violations).toHaveLength(1);
  });

  it("accepts a body with every field our client sends", async () => {
    const res = await post("/v1/completions", {
      ...ok,
      temperature: 0.6,
      top_p: 0.95,
      top_k: 20,
      min_p: 0,
      seed: 1,
      stop: ["</think>"],
      structured_outputs: { choice: ["a", "b"] },
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.status).toBe(200);
    await res.text();
    expect(standIn.violations).toEqual([]);
  });
});

describe("vLLM's answers", () => {
  it("a plain completion has every field vLLM sends, nulls included; max_tokens defaults to 16", async () => {
    const res = await post("/v1/completions", { prompt: "<|im_start|>assistant\n<think>\n" });
    const json = (await res.json()) as Record<string, unknown>;
    expect(json).toEqual({
      id: expect.stringMatching(/^cmpl-[0-9a-f]{32}$/),
      object: "text_completion",
      created: expect.any(Number),
      model: "m",
      choices: [
        {
          index: 0,
          text: expect.any(String),
          logprobs: null,
          finish_reason: "length",
          stop_reason: null,
          prompt_logprobs: null,
          prompt_token_ids: null,
          token_ids: null,
        },
      ],
      service_tier: null,
      system_fingerprint: null,
      kv_transfer_params: null,
      usage: { prompt_tokens: 7, completion_tokens: 16, total_tokens: 23, prompt_tokens_details: null },
    });
  });

  it("a stop string ends the text before it, with finish_reason stop and stop_reason the string", async () => {
    const res = await post("/v1/completions", {
      ...ok,
      prompt: "<think>\n",
      max_tokens: 100,
      stop: ["</think>"],
    });
    const choice = ((await res.json()) as { choices: Record<string, unknown>[] }).choices[0]!;
    expect(choice.text).toBe("The user asks a question. I will work it out step by step and then answer.\n");
    expect(choice).toMatchObject({ finish_reason: "stop", stop_reason: "</think>" });
  });

  it("streams chunks with null fields, then the usage-only chunk, then [DONE]", async () => {
    const res = await post("/v1/completions", {
      ...ok,
      structured_outputs: { regex: "OK" },
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = (await res.text()).split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, "")));
    expect(chunks[0].choices[0]).toEqual({
      index: 0,
      text: "OK",
      logprobs: null,
      finish_reason: "stop",
      stop_reason: null,
      prompt_token_ids: null,
      token_ids: null,
    });
    expect(chunks[0].usage).toBeNull();
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      // vLLM counts the EOS that ended the answer (it is in token_ids, not in the text).
      usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 },
    });
    expect(chunks.at(-1).usage).not.toHaveProperty("prompt_tokens_details");
  });

  it("answers the operational endpoints", async () => {
    expect(await (await fetch(`${standIn.url}/version`)).json()).toEqual({ version: "0.30.1" });
    const models = (await (await fetch(`${standIn.url}/v1/models`)).json()) as {
      data: Record<string, unknown>[];
    };
    expect(models.data[0]).toMatchObject({ id: "m", object: "model", owned_by: "vllm", max_model_len: 1000 });
    const health = await fetch(`${standIn.url}/health`);
    expect([health.status, await health.text()]).toEqual([200, ""]);
    const tokens = (await (
      await post("/tokenize", { prompt: "hello world", add_special_tokens: false })
    ).json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({ count: 4, max_model_len: 1000, token_strs: null });
  });

  it("a prompt that does not fit is vLLM's context-length 400; an unknown model is its 404", async () => {
    const long = await post("/v1/completions", { ...ok, max_tokens: 999 });
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: { message: string } }).error.message).toMatch(
      /^This model's maximum context length is 1000 tokens/,
    );
    const missing = await post("/v1/completions", { ...ok, model: "other" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: {
        message: "The model `other` does not exist.",
        type: "NotFoundError",
        param: "model",
        code: 404,
      },
    });
    expect(standIn.violations).toEqual([]);
  });
});

describe("vLLM's shapes for servers and constraints", () => {
  it("a pooling server has no completions route: FastAPI's 404", async () => {
    const pooling = await startStandIn({ model: "e", runner: "pooling" });
    try {
      const res = await fetch(`${pooling.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "e", prompt: "x" }),
      });
      expect([res.status, await res.json()]).toEqual([404, { detail: "Not Found" }]);
      const embed = (body: object) =>
        fetch(`${pooling.url}/v1/embeddings`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ input: "x", ...body }),
        });
      // `normalize` was removed for use_activation: vLLM refuses it with a 400 naming it.
      const refused = await embed({ normalize: true });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: { param: string } }).error.param).toBe("normalize");
      expect(pooling.violations).toHaveLength(1);
      expect((await embed({ use_activation: true })).status).toBe(200);
      expect(pooling.violations).toHaveLength(1);
    } finally {
      await pooling.stop();
    }
  });

  it("a constraint its backend cannot compile: an empty 500, or a message-less 500 event in a stream", async () => {
    standIn.faults.compileFails = (so) => so.regex === "(?<=a)b";
    const body = { ...ok, structured_outputs: { regex: "(?<=a)b" } };
    const plain = await post("/v1/completions", body);
    expect([plain.status, await plain.text()]).toEqual([500, ""]);
    const streamed = await post("/v1/completions", { ...body, stream: true });
    expect(streamed.status).toBe(200);
    expect(await streamed.text()).toBe(
      'data: {"error":{"message":"","type":"InternalServerError","param":null,"code":500}}\n\ndata: [DONE]\n\n',
    );
    // Other constraints still compile.
    expect((await post("/v1/completions", { ...ok, structured_outputs: { regex: "b" } })).status).toBe(200);
    expect(standIn.violations).toEqual([]);
  });
});

describe("constrained text", () => {
  it("makes shortest regex instances", () => {
    for (const pattern of [
      "OK",
      "[A-Z]{2}-\\d{3}",
      "(yes|no)",
      "a+b*c?",
      "[^0-9]\\w\\s.",
      "(?:ab){2,3}x",
      "\\u0041",
    ]) {
      expect(new RegExp(`^(?:${pattern})$`, "u").test(regexInstance(pattern))).toBe(true);
    }
  });

  it("makes minimal JSON Schema instances", () => {
    const schema = {
      type: "object",
      properties: { a: { $ref: "#/$defs/n" }, b: { type: "string", format: "date" }, c: { enum: ["x"] } },
      required: ["a", "b", "c"],
      $defs: { n: { type: "integer", exclusiveMinimum: 5 } },
    };
    expect(jsonInstance(schema, schema)).toEqual({ a: 6, b: "2024-01-01", c: "x" });
  });
});

describe("main.ts as its own process", () => {
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  });

  it("prints its address, serves vLLM's endpoints and exits on SIGTERM", async () => {
    child = spawn(
      process.execPath,
      // A `vllm serve` command line: the model as a positional, flags the stand-in ignores.
      [
        "--import",
        "tsx",
        "test/vllm-stand-in/main.ts",
        "serve",
        "Qwen/Qwen3-0.6B",
        "--port",
        "0",
        "--vllm-version",
        "0.11.0",
        "--gpu-memory-utilization",
        "0.75",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const lines = createInterface({ input: child.stdout! });
    const [line] = (await once(lines, "line")) as [string];
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
    expect(url).toBeDefined();
    expect(await (await fetch(`${url}/version`)).json()).toEqual({ version: "0.11.0" });
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((d) => d.id)).toEqual(["Qwen/Qwen3-0.6B"]);
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });

  it("refuses connections while 'loading'; the engine's waitUntilReady waits for it", async () => {
    // A free port, then the process binds it only after its load delay.
    const probe = createServer();
    probe.listen(0, "127.0.0.1");
    await once(probe, "listening");
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    child = spawn(
      process.execPath,
      ["--import", "tsx", "test/vllm-stand-in/main.ts", "--port", String(port), "--load-delay-ms", "500"],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    const engine = createVllmEngine({ baseUrl: `http://127.0.0.1:${port}`, model: "Qwen/Qwen3-8B" });
    const waits: string[] = [];
    const ready = createVllmEngine({
      baseUrl: `http://127.0.0.1:${port}`,
      model: "Qwen/Qwen3-8B",
      logger: (_level, msg) => waits.push(msg),
    });
    await expect(engine.start()).rejects.toMatchObject({ code: "engine_unavailable" });
    await expect(ready.waitUntilReady({ intervalMs: 25, timeoutMs: 30_000 })).resolves.toEqual({
      model: "Qwen/Qwen3-8B",
      maxModelLen: 32_768,
    });
    expect(waits).toContain("waiting for vLLM to load");
  });
});
