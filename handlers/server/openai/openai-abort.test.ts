/**
 * An OpenAI client that aborts its stream aborts the pipeline all the way to the engine: asserted
 * where it matters, at the vLLM stand-in, which records the connection closed mid-generation.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Fixture, standInWithEngine } from "../../../test/vllm-stand-in/fixture.js";
import { startTestServer, TEST_KEY, type TestServer } from "../../../test/support/server.js";

let f: Fixture;
let server: TestServer;
beforeAll(async () => {
  f = await standInWithEngine();
  server = await startTestServer(f.engine);
});
afterAll(async () => {
  await server?.shutdown();
  expect(f.standIn.violations).toEqual([]);
  await f?.stop();
});

it("AbortController on a chat stream closes the upstream vLLM request mid-generation", async () => {
  f.standIn.faults.tokenDelayMs = 20; // slow thinking: still generating when the client gives up
  const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
  const controller = new AbortController();
  const closed = f.standIn.nextClose();
  const stream = await client.chat.completions.create(
    {
      model: f.standIn.options.model,
      messages: [{ role: "user", content: "Think at length." }],
      reasoning_effort: "high",
      response_format: { type: "json_object" },
      stream: true,
    },
    { signal: controller.signal },
  );
  let reasoningDeltas = 0;
  // The SDK ends the iteration quietly when its own signal aborts it.
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta as { reasoning_content?: string } | undefined;
    if (delta?.reasoning_content) reasoningDeltas++;
    if (reasoningDeltas === 2) controller.abort();
  }
  expect(reasoningDeltas).toBe(2);
  const close = await closed;
  expect(close.path).toBe("/v1/completions");
  expect(close.streaming).toBe(true);
  expect(close.tokensSent).toBeGreaterThanOrEqual(2);
  expect(close.tokensSent).toBeLessThan(close.totalTokens);
  await expect.poll(() => server.service.stats().inFlight, { timeout: 2000 }).toBe(0);
});
