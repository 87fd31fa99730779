/**
 * Clients built on the OpenAI API, used unchanged against the server on the embedded engine (demo
 * model, effort none to stay quick): LangChain's ChatOpenAI.withStructuredOutput and the Vercel AI
 * SDK's generateObject / streamObject through @ai-sdk/openai-compatible. Every request body they
 * send is recorded, so the test also shows what they send.
 */
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { ChatOpenAI } from "@langchain/openai";
import { generateObject, streamObject } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type DemoEngine, startDemoEngine } from "../../../core/engines/llamacpp/test-support.js";
import { startTestServer, TEST_KEY, type TestServer } from "../../../test/support/server.js";

// The deprecation and feature warnings are the SDK's, about the calls this test makes on purpose.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

let demo: DemoEngine;
let server: TestServer;
/** The request bodies the clients sent, through a fetch wrapper. */
const sent: Record<string, unknown>[] = [];
const recordingFetch: typeof fetch = async (input, init) => {
  if (typeof init?.body === "string") sent.push(JSON.parse(init.body));
  return fetch(input, init);
};

beforeAll(async () => {
  demo = await startDemoEngine();
  server = await startTestServer(demo.engine, { answerMaxTokens: 128 });
});
afterAll(async () => {
  await server?.shutdown();
  await demo?.dispose();
});

const Person = z.object({ name: z.string().max(8), alive: z.boolean() });

describe("LangChain ChatOpenAI", () => {
  it("withStructuredOutput returns an object that matches the zod schema", async () => {
    const chat = new ChatOpenAI({
      model: "deliberate",
      apiKey: TEST_KEY,
      maxRetries: 0,
      configuration: { baseURL: `${server.url}/v1`, fetch: recordingFetch },
      modelKwargs: { reasoning_effort: "none" },
    });
    const person = await chat.withStructuredOutput(Person, { name: "person" }).invoke("Invent a person.");
    expect(Person.parse(person)).toEqual(person);
    expect(sent.at(-1)).toMatchObject({ response_format: { type: "json_schema" }, model: "deliberate" });
  });
});

describe("Vercel AI SDK through @ai-sdk/openai-compatible", () => {
  const provider = () =>
    createOpenAICompatible({
      name: "deliberate",
      baseURL: `${server.url}/v1`,
      apiKey: TEST_KEY,
      supportsStructuredOutputs: true,
      includeUsage: true,
      fetch: recordingFetch,
    });
  const providerOptions = { deliberate: { reasoningEffort: "none" } };

  it("generateObject returns an object that matches the schema", async () => {
    const { object, usage } = await generateObject({
      model: provider()("deliberate"),
      schema: Person,
      prompt: "Invent a person.",
      providerOptions,
      maxRetries: 0,
    });
    expect(Person.parse(object)).toEqual(object);
    expect(usage.outputTokens).toBeGreaterThan(0);
    expect(sent.at(-1)).toMatchObject({ response_format: { type: "json_schema" }, reasoning_effort: "none" });
  });

  it("streamObject streams partial objects and ends with one that matches", async () => {
    const result = streamObject({
      model: provider()("deliberate"),
      schema: Person,
      prompt: "Invent a person.",
      providerOptions,
      maxRetries: 0,
    });
    let partials = 0;
    for await (const _partial of result.partialObjectStream) partials++;
    const object = await result.object;
    expect(partials).toBeGreaterThan(0);
    expect(Person.parse(object)).toEqual(object);
    expect(sent.at(-1)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("without supportsStructuredOutputs its json_object request is accepted too", async () => {
    const plain = createOpenAICompatible({
      name: "deliberate",
      baseURL: `${server.url}/v1`,
      apiKey: TEST_KEY,
      fetch: recordingFetch,
    });
    const { object } = await generateObject({
      model: plain("deliberate"),
      schema: z.object({}),
      prompt: "Any object.",
      providerOptions,
      maxRetries: 0,
    });
    expect(object).toEqual({});
    expect(sent.at(-1)).toMatchObject({ response_format: { type: "json_object" } });
  });
});
