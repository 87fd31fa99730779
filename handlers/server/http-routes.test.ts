import { validate } from "@readme/openapi-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeliberateError } from "../../core/errors.js";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { startTestServer, TEST_KEY, type TestServer } from "../../test/support/server.js";

const auth = { "x-api-key": TEST_KEY, "content-type": "application/json" };

describe("HTTP routes", () => {
  let server: TestServer;
  let noEmbeddings: TestServer;

  beforeAll(async () => {
    server = await startTestServer(
      new ScriptedEngine({
        fallback: (call) =>
          call.prompt.includes("overflow") ? { text: "cut", finishReason: "length" } : { text: '{"n":42}' },
      }),
      { maxBodyBytes: 2048 },
    );
    const engine = new ScriptedEngine();
    engine.embeddings = async () => {
      throw new DeliberateError("engine_unavailable", "no embeddings server configured");
    };
    noEmbeddings = await startTestServer(engine);
  });
  afterAll(async () => {
    await server.shutdown();
    await noEmbeddings.shutdown();
  });

  const post = (path: string, body: unknown, base = server.url) =>
    fetch(`${base}${path}`, {
      method: "POST",
      headers: auth,
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("POST /completions answers the result", async () => {
    const res = await post("/completions", {
      prompt: "json please",
      thinking_effort: "none",
      structured_outputs: {
        json: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] },
      },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ output: { n: 42 }, valid: true, cached: false, effort: "none" });
  });

  it("answers errors in the envelope with their status", async () => {
    const truncated = await post("/completions", { prompt: "overflow", thinking_effort: "none" });
    expect(truncated.status).toBe(422);
    expect(await truncated.json()).toMatchObject({ error: { code: "answer_truncated", step: "final" } });

    const invalid = await post("/completions", { prompt: "x", thinking_effort: "extreme" });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      error: { code: "invalid_request", param: "thinking_effort" },
    });

    const badJson = await post("/completions", "{nope");
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ error: { code: "invalid_request" } });

    const big = await post("/completions", { prompt: "x".repeat(4000) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: "payload_too_large" } });

    const missing = await fetch(`${server.url}/no/such/route`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it("refuses a chunked body over the limit too", async () => {
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode("x".repeat(1000)));
        controller.close();
      },
    });
    const res = await fetch(`${server.url}/completions`, {
      method: "POST",
      headers: auth,
      body: chunks,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it("serves embeddings in OpenAI's shape on both paths", async () => {
    for (const path of ["/embeddings", "/v1/embeddings"]) {
      const res = await post(path, { input: ["abc", "de"] });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        object: "list",
        model: "scripted-model",
        data: [
          { object: "embedding", index: 0, embedding: [3, 1, 0] },
          { object: "embedding", index: 1, embedding: [2, 1, 0] },
        ],
        usage: { prompt_tokens: 2, total_tokens: 2 },
      });
    }
    const b64 = await (await post("/embeddings", { input: "abc", encoding_format: "base64" })).json();
    const bytes = Buffer.from(b64.data[0].embedding, "base64");
    expect([...new Float32Array(bytes.buffer, bytes.byteOffset, 3)]).toEqual([3, 1, 0]);
    const bad = await post("/embeddings", { input: [] });
    expect(await bad.json()).toMatchObject({ error: { code: "invalid_request", param: "input" } });
  });

  it("answers engine_unavailable where no embeddings server is configured", async () => {
    const res = await post("/v1/embeddings", { input: "x" }, noEmbeddings.url);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      error: { code: "engine_unavailable", message: "no embeddings server configured" },
    });
  });

  it("GET /health and /ready", async () => {
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.url}/ready`, { headers: auth });
    expect(await ready.json()).toMatchObject({ ready: true, engine: "scripted", model: "scripted-model" });
    // without the key: ready or not, nothing more (load balancers and platforms probe it)
    const open = await fetch(`${server.url}/ready`);
    expect([open.status, await open.json()]).toEqual([200, { ready: true }]);
  });

  it("/ready reports an engine that is not ready", async () => {
    const engine = new ScriptedEngine();
    engine.health = async () => ({ ready: false, detail: "canary failed" });
    const s = await startTestServer(engine);
    try {
      const res = await fetch(`${s.url}/ready`, { headers: auth });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: "engine_unavailable" } });
      const open = await fetch(`${s.url}/ready`);
      expect([open.status, await open.json()]).toEqual([503, { ready: false }]);
    } finally {
      await s.shutdown();
    }
  });

  it("GET /metrics counts requests, steps, tokens, validation failures", async () => {
    const text = await (await fetch(`${server.url}/metrics`, { headers: auth })).text();
    expect(text).toMatch(/deliberate_requests_total\{outcome="ok",transport="http",effort="\w+"\} [1-9]/);
    expect(text).toMatch(
      /deliberate_requests_total\{outcome="answer_truncated",transport="http",effort="\w+"\} 1/,
    );
    expect(text).toMatch(/deliberate_validation_failures_total\{code="answer_truncated"\} 1/);
    expect(text).toMatch(/deliberate_step_duration_seconds_count\{step="final"\} [1-9]/);
    expect(text).toMatch(/deliberate_tokens_total\{kind="completion",effort="\w+"\} [1-9]/);
    expect(text).toMatch(/deliberate_queue_wait_seconds_count [1-9]/);
    expect(text).toContain("deliberate_engine_ready 1");
    expect(text).toMatch(/deliberate_build_info\{version="[^"]+",revision="[^"]+"\} 1/);
    expect(text).toContain("deliberate_queue_depth 0");
    expect(text).toContain("deliberate_running_pipelines 0");
    expect(text).toContain("deliberate_cache_hits_total 0");
  });

  it("GET /openapi.json is a valid OpenAPI 3 document with the WS protocol", async () => {
    const doc = await (await fetch(`${server.url}/openapi.json`, { headers: auth })).json();
    expect(doc.openapi).toMatch(/^3\./);
    const result = await validate(structuredClone(doc));
    expect(result).toMatchObject({ valid: true });
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/completions", "/embeddings", "/v1/embeddings", "/ws/completions", "/health"]),
    );
    expect(doc.components.schemas.ClientMessage).toBeDefined();
    expect(doc.components.schemas.ServerMessage).toBeDefined();
    expect(doc.components.schemas.CompletionRequest.properties.thinking_effort.enum).toEqual([
      "none",
      "low",
      "medium",
      "high",
    ]);
    expect(doc.info.description).toContain("completion.cancel");
  });

  it("GET /docs serves the bundled UI from this server, with no key in the page", async () => {
    const res = await fetch(`${server.url}/docs?api_key=${TEST_KEY}`);
    const html = await res.text();
    expect(html).toContain('src="/docs/assets/swagger-ui-bundle.js"');
    expect(html).not.toContain(TEST_KEY);
    expect(html).not.toMatch(/https?:\/\//);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    // a reflected key cannot reach a script: the page and its script are static
    const hostile = await (await fetch(`${server.url}/docs?api_key=x'-alert(1)-'`)).text();
    expect(hostile).toBe(html);
    const bundle = await fetch(`${server.url}/docs/assets/swagger-ui-bundle.js`);
    expect([bundle.status, bundle.headers.get("content-type")]).toEqual([
      200,
      "text/javascript; charset=utf-8",
    ]);
    expect((await fetch(`${server.url}/docs/assets/nope.js`)).status).toBe(404);
  });
});
