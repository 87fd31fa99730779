/**
 * What the OpenAI routes refuse and how: every unsupported parameter by name in OpenAI's error
 * shape (through the real openai client, which raises its usual classes), unknown models, our
 * error codes mapped to OpenAI's types and statuses, and errors in the middle of a stream.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../../test/support/scripted-engine.js";
import { startTestServer, TEST_KEY, type TestServer } from "../../../test/support/server.js";

let server: TestServer;
let client: OpenAI;
beforeAll(async () => {
  server = await startTestServer(
    new ScriptedEngine({
      fallback: (call) =>
        call.prompt.includes("broken json")
          ? { text: '{"a":' }
          : call.constraint
            ? { text: '{"a":1}' }
            : { text: "free text answer" },
    }),
  );
  client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
});
afterAll(() => server?.shutdown());

const base = { model: "deliberate", messages: [{ role: "user" as const, content: "hi" }] };

/** Each parameter with a value the pipeline cannot honour. */
const UNSUPPORTED: Record<string, unknown> = {
  tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
  tool_choice: "auto",
  functions: [{ name: "f", parameters: {} }],
  function_call: "auto",
  parallel_tool_calls: true,
  n: 2,
  logprobs: true,
  top_logprobs: 2,
  logit_bias: { "50256": -100 },
  frequency_penalty: 0.5,
  presence_penalty: 0.5,
  audio: { voice: "alloy", format: "mp3" },
  modalities: ["text", "audio"],
  prediction: { type: "content", content: "x" },
  web_search_options: {},
  verbosity: "low",
  store: true,
  service_tier: "flex",
};

async function openAiError(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OpenAI.APIError);
  return err as InstanceType<typeof OpenAI.APIError>;
}

describe("refusals in OpenAI's error shape", () => {
  for (const [param, value] of Object.entries(UNSUPPORTED)) {
    it(`refuses ${param}`, async () => {
      const err = await openAiError(
        client.chat.completions.create({
          ...base,
          [param]: value,
        } as OpenAI.ChatCompletionCreateParamsNonStreaming),
      );
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.param).toBe(param);
      expect(err.type).toBe("invalid_request_error");
      expect(err.message).toContain(param);
    });
  }

  it("accepts the neutral values clients send by default", async () => {
    const completion = await client.chat.completions.create({
      ...base,
      n: 1,
      logprobs: false,
      frequency_penalty: 0,
      presence_penalty: 0,
      tools: [],
      store: false,
      user: "u1",
      metadata: { k: "v" },
      stream_options: null,
      reasoning_effort: "minimal",
      temperature: 0.2,
      top_p: 0.9,
      max_completion_tokens: 50,
    });
    expect(completion.choices[0]!.message.content).toBe("free text answer");
  });

  it("refuses image parts, tool messages and unknown parameters by name", async () => {
    const image = await openAiError(
      client.chat.completions.create({
        model: "deliberate",
        messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "http://x/y.png" } }] }],
      }),
    );
    expect(image.param).toBe("messages.0.content.0.type");
    const tool = await openAiError(
      client.chat.completions.create({
        model: "deliberate",
        messages: [{ role: "tool", content: "x", tool_call_id: "t1" }],
      }),
    );
    expect(tool.param).toMatch(/^messages\.0\./);
    const unknown = await openAiError(
      client.chat.completions.create({
        ...base,
        frobnicate: 1,
      } as OpenAI.ChatCompletionCreateParamsNonStreaming),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.param).toBe("frobnicate");
  });

  it("an unknown model is OpenAI's 404 model_not_found", async () => {
    const err = await openAiError(client.chat.completions.create({ ...base, model: "gpt-4o" }));
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.code).toBe("model_not_found");
    expect(err.param).toBe("model");
  });

  it("a wrong key is 401 and malformed JSON is a 400 in the same shape", async () => {
    const bad = new OpenAI({ apiKey: "wrong-key-0123456789", baseURL: `${server.url}/v1`, maxRetries: 0 });
    expect(await openAiError(bad.models.list())).toBeInstanceOf(OpenAI.AuthenticationError);
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
    expect(body.error.type).toBe("invalid_request_error");
  });

  it("a constraint violation keeps its status and code; stop with a constraint is refused", async () => {
    const err = await openAiError(
      client.chat.completions.create({
        ...base,
        messages: [{ role: "user", content: "broken json" }],
        response_format: { type: "json_object" },
        reasoning_effort: "none",
      }),
    );
    expect(err.status).toBe(502);
    expect(err.code).toBe("constraint_violation");
    const stop = await openAiError(
      client.chat.completions.create({ ...base, stop: ["}"], response_format: { type: "json_object" } }),
    );
    expect(stop.param).toBe("stop");
  });

  it("an error after the stream opened arrives as an error event the client raises", async () => {
    const stream = await client.chat.completions.create({
      ...base,
      messages: [{ role: "user", content: "broken json" }],
      response_format: { type: "json_object" },
      reasoning_effort: "none",
      stream: true,
    });
    const err = await openAiError(
      (async () => {
        for await (const _chunk of stream) {
          // drain
        }
      })(),
    );
    expect(err.code).toBe("constraint_violation");
  });
});
