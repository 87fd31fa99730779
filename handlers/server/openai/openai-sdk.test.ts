/**
 * The real `openai` npm client against the server on the embedded engine (the demo model: random
 * text, so only structure and validity can be asserted).
 */
import OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { prepareConstraint } from "../../../core/constraints/index.js";
import { type DemoEngine, startDemoEngine } from "../../../core/engines/llamacpp/test-support.js";
import type { DashboardState } from "../dashboard/routes.js";
import { startTestServer, TEST_KEY, type TestServer } from "../../../test/support/server.js";

const SCHEMA = {
  type: "object",
  properties: { name: { type: "string", maxLength: 8 }, age: { type: "integer" } },
  required: ["name", "age"],
  additionalProperties: false,
};
const validate = (text: string) => prepareConstraint({ json: SCHEMA })!.validate(text);

let demo: DemoEngine;
let server: TestServer;
let client: OpenAI;
beforeAll(async () => {
  demo = await startDemoEngine({ concurrency: 2 });
  server = await startTestServer(demo.engine, {
    budgets: { low: 12, medium: 24, high: 48 },
    answerMaxTokens: 128,
    cache: { ttlMs: 60_000, maxEntries: 0 },
  });
  client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await server?.shutdown();
  await demo?.dispose();
});

const model = () => demo.engine.modelInfo().model;
const jsonSchemaFormat = {
  type: "json_schema" as const,
  json_schema: { name: "person", schema: SCHEMA, strict: true },
};

describe("openai client on the embedded engine", () => {
  it("models.list names the engine's model and the alias", async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual([model(), "deliberate"]);
    expect((await client.models.retrieve("deliberate")).id).toBe("deliberate");
  });

  it("chat.completions.create with json_schema returns content that validates, reasoning and usage", async () => {
    const completion = await client.chat.completions.create({
      model: "deliberate",
      messages: [{ role: "user", content: "Invent a person." }],
      response_format: jsonSchemaFormat,
      reasoning_effort: "low",
      seed: 7,
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("deliberate");
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("stop");
    expect(validate(choice.message.content!).checked).toBe(true);
    const reasoning = (choice.message as unknown as { reasoning_content: string | null }).reasoning_content;
    expect(typeof reasoning).toBe("string");
    const usage = completion.usage!;
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(usage.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens_details!.reasoning_tokens!).toBeLessThan(usage.completion_tokens);
    expect(usage.prompt_tokens_details?.cached_tokens).toEqual(expect.any(Number));
  });

  it("stream: true assembles the same answer as create with the same seed, with reasoning deltas", async () => {
    const request = {
      model: model(),
      messages: [{ role: "user" as const, content: "Invent a person, again." }],
      response_format: jsonSchemaFormat,
      reasoning_effort: "low" as const,
      seed: 11,
    };
    const whole = await client.chat.completions.create(request);
    const stream = await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = "";
    let reasoning = "";
    let reasoningDeltas = 0;
    const finishes: (string | null)[] = [];
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe("chat.completion.chunk");
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      const delta = choice.delta as { content?: string; reasoning_content?: string };
      if (delta.reasoning_content) {
        reasoningDeltas++;
        reasoning += delta.reasoning_content;
        expect(content).toBe(""); // reasoning comes first
      }
      content += delta.content ?? "";
      if (choice.finish_reason) finishes.push(choice.finish_reason);
    }
    expect(reasoningDeltas).toBeGreaterThan(1);
    expect(finishes).toEqual(["stop"]);
    expect(validate(content).checked).toBe(true);
    expect(content).toBe(whole.choices[0]!.message.content);
    expect(reasoning).toBe(
      (whole.choices[0]!.message as unknown as { reasoning_content: string }).reasoning_content,
    );
    expect(usage?.completion_tokens).toBe(whole.usage?.completion_tokens);
  });

  it("chat.completions.parse with a zod schema (the SDK's helper) returns the parsed object", async () => {
    const Person = z.object({ name: z.string().max(8), alive: z.boolean() });
    const completion = await client.chat.completions.parse({
      model: "deliberate",
      messages: [{ role: "user", content: "Invent a person." }],
      response_format: zodResponseFormat(Person, "person"),
      reasoning_effort: "none",
    });
    const parsed = completion.choices[0]!.message.parsed;
    expect(Person.parse(parsed)).toEqual(parsed);
  });

  it("reasoning_effort none and high run different steps", async () => {
    const ask = (effort: "none" | "high") =>
      client.chat.completions.create({
        model: "deliberate",
        messages: [{ role: "user", content: `effort ${effort}` }],
        response_format: { type: "json_object" },
        reasoning_effort: effort,
      });
    const none = await ask("none");
    const high = await ask("high");
    expect(
      (none.choices[0]!.message as unknown as { reasoning_content: unknown }).reasoning_content,
    ).toBeNull();
    expect(none.usage?.completion_tokens_details?.reasoning_tokens).toBe(0);
    expect(high.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
    for (const c of [none, high]) expect(JSON.parse(c.choices[0]!.message.content!)).toBeTypeOf("object");
    const state = (await (
      await fetch(`${server.url}/dashboard/state`, { headers: { "x-api-key": TEST_KEY } })
    ).json()) as DashboardState;
    const ran = state.recent.slice(0, 2).map((r) => [r.effort, r.steps.length]);
    expect(ran).toEqual(
      expect.arrayContaining([
        ["none", 1],
        ["high", 4],
      ]),
    );
  });
});
