/**
 * Free-text answers through the OpenAI routes (scripted engine): /v1/completions, `stop`, an
 * answer cut by max_tokens (finish_reason length with the partial text, as OpenAI answers), the
 * queue's 429, and the routes in /openapi.json.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../../test/support/scripted-engine.js";
import { startTestServer, TEST_KEY, type TestServer } from "../../../test/support/server.js";

let server: TestServer;
let client: OpenAI;
const engine = new ScriptedEngine({
  fallback: (call) => {
    if (call.prompt.includes("slow")) return new Promise((r) => setTimeout(() => r({ text: "late" }), 300));
    if (call.stop) return { text: "pondering" };
    if (call.prompt.includes("long")) return { text: "cut sho", finishReason: "length" };
    return { text: "alpha. beta. gamma" };
  },
});
beforeAll(async () => {
  server = await startTestServer(engine, { maxConcurrency: 1, maxQueue: 1 });
  client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
});
afterAll(() => server?.shutdown());

describe("free text through the OpenAI routes", () => {
  it("/v1/completions answers a prompt, whole and streamed", async () => {
    const whole = await client.completions.create({ model: "deliberate", prompt: "Say it", max_tokens: 20 });
    expect(whole.object).toBe("text_completion");
    expect(whole.choices[0]).toMatchObject({ text: "alpha. beta. gamma", finish_reason: "stop" });
    const stream = await client.completions.create({ model: "deliberate", prompt: "Say it", stream: true });
    let text = "";
    const finishes: unknown[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? "";
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
    }
    expect(text).toBe("alpha. beta. gamma");
    expect(finishes).toEqual(["stop"]);
  });

  it("stop cuts the answer, whole and streamed alike", async () => {
    const request = {
      model: "deliberate",
      messages: [{ role: "user" as const, content: "list" }],
      stop: [". g", "beta"],
    };
    const whole = await client.chat.completions.create(request);
    expect(whole.choices[0]!.message.content).toBe("alpha. ");
    let content = "";
    for await (const chunk of await client.chat.completions.create({ ...request, stream: true })) {
      content += chunk.choices[0]?.delta.content ?? "";
    }
    expect(content).toBe("alpha. ");
  });

  it("an answer cut by its cap is finish_reason length with the partial text; never cached", async () => {
    const request = {
      model: "deliberate",
      messages: [{ role: "user" as const, content: "long story" }],
      max_completion_tokens: 2,
      temperature: 0,
    };
    const first = await client.chat.completions.create(request);
    expect(first.choices[0]).toMatchObject({ finish_reason: "length", message: { content: "cut sho" } });
    // The native route still refuses a cut answer, even right after the same request above.
    const res = await fetch(`${server.url}/completions`, {
      method: "POST",
      headers: { "x-api-key": TEST_KEY, "content-type": "application/json" },
      body: JSON.stringify({
        messages: request.messages,
        temperature: 0,
        max_answer_tokens: 2,
        include_thinking: true,
      }),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("answer_truncated");
  });

  it("a full queue is OpenAI's 429 rate_limit_exceeded", async () => {
    const ask = () =>
      client.chat.completions.create({
        model: "deliberate",
        messages: [{ role: "user", content: "slow" }],
        reasoning_effort: "none",
      });
    const results = await Promise.allSettled([ask(), ask(), ask()]);
    const refused = results
      .filter((r) => r.status === "rejected")
      .map((r) => (r as PromiseRejectedResult).reason);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0]).toBeInstanceOf(OpenAI.RateLimitError);
    expect(refused[0].code).toBe("rate_limit_exceeded");
  });

  it("counts OpenAI requests in /metrics under transport openai", async () => {
    const res = await fetch(`${server.url}/metrics`, { headers: { "x-api-key": TEST_KEY } });
    const text = await res.text();
    expect(text).toMatch(/deliberate_requests_total\{outcome="ok",transport="openai",effort="\w+"\} [1-9]/);
    expect(text).toMatch(
      /deliberate_requests_total\{outcome="queue_full",transport="openai",effort="\w+"\} [1-9]/,
    );
  });

  it("/openapi.json lists the OpenAI routes", async () => {
    const res = await fetch(`${server.url}/openapi.json`, { headers: { "x-api-key": TEST_KEY } });
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/chat/completions", "/v1/completions", "/v1/models", "/v1/models/{model}"]),
    );
  });
});
