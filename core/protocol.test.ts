/** The wire schemas: defaults, strictness, bounds and every message shape. */
import { describe, expect, it } from "vitest";
import {
  ClientMessage,
  CompletionRequest,
  CompletionResult,
  EmbeddingsRequest,
  EmbeddingsResponse,
  ErrorEnvelope,
  ServerMessage,
  StreamMessage,
  streamMessage,
} from "./protocol.js";

const issues = (input: unknown) => {
  const parsed = CompletionRequest.safeParse(input);
  expect(parsed.success).toBe(false);
  return parsed.error!.issues;
};

describe("CompletionRequest", () => {
  it("applies the documented defaults", () => {
    expect(CompletionRequest.parse({ prompt: "Hi" })).toEqual({
      prompt: "Hi",
      thinking_effort: "low",
      stream: false,
      include_thinking: false,
      reflection: true,
    });
  });

  it("accepts every documented field", () => {
    const full = {
      messages: [
        { role: "system", content: "S" },
        { role: "user", content: "U" },
        { role: "assistant", content: "A" },
        { role: "user", content: "" },
      ],
      thinking_effort: "high",
      structured_outputs: { json: { type: "object" } },
      max_answer_tokens: 512,
      temperature: 0.6,
      top_p: 0.95,
      top_k: 20,
      min_p: 0,
      seed: 1,
      stream: true,
      include_thinking: true,
      reflection: false,
    };
    expect(CompletionRequest.parse(full)).toEqual(full);
  });

  it.each([["none"], ["low"], ["medium"], ["high"]])("accepts effort %j", (effort) => {
    expect(CompletionRequest.parse({ prompt: "x", thinking_effort: effort }).thinking_effort).toBe(effort);
  });

  it("needs exactly one of messages and prompt", () => {
    expect(issues({})[0]!.message).toContain("exactly one of `messages` or `prompt`");
    expect(issues({ prompt: "a", messages: [{ role: "user", content: "b" }] })[0]!.path).toEqual([
      "messages",
    ]);
  });

  it("refuses unknown fields at every level (a typo must not be silently ignored)", () => {
    expect(issues({ prompt: "a", temprature: 0.2 })[0]!.code).toBe("unrecognized_keys");
    expect(issues({ messages: [{ role: "user", content: "a", name: "x" }] })[0]!.path).toEqual([
      "messages",
      0,
    ]);
    expect(issues({ prompt: "a", structured_outputs: { json_object: true } })[0]!.path).toEqual([
      "structured_outputs",
    ]);
    // vLLM's removed guided_* fields are a classic silent failure: refuse them loudly
    expect(issues({ prompt: "a", guided_json: {} })[0]!.code).toBe("unrecognized_keys");
  });

  it.each([
    [{ prompt: "" }, "prompt"],
    [{ messages: [] }, "messages"],
    [{ messages: [{ role: "tool", content: "x" }] }, "messages"],
    [{ messages: [{ role: "user" }] }, "messages"],
    [{ prompt: "a", thinking_effort: "extreme" }, "thinking_effort"],
    [{ prompt: "a", max_answer_tokens: 0 }, "max_answer_tokens"],
    [{ prompt: "a", max_answer_tokens: 1.5 }, "max_answer_tokens"],
    [{ prompt: "a", temperature: -0.1 }, "temperature"],
    [{ prompt: "a", temperature: 2.1 }, "temperature"],
    [{ prompt: "a", top_p: 0 }, "top_p"],
    [{ prompt: "a", top_p: 1.01 }, "top_p"],
    [{ prompt: "a", top_k: -2 }, "top_k"],
    [{ prompt: "a", min_p: 1.5 }, "min_p"],
    [{ prompt: "a", seed: -1 }, "seed"],
    [{ prompt: "a", seed: 2 ** 53 }, "seed"],
    [{ prompt: "a", stream: "yes" }, "stream"],
    [{ prompt: "a", structured_outputs: { json: [] } }, "structured_outputs"],
    [{ prompt: "a", structured_outputs: { choice: "a" } }, "structured_outputs"],
  ])("refuses %j at %s", (input, field) => {
    expect(issues(input)[0]!.path[0]).toBe(field);
  });

  it("accepts the edges of each bound", () => {
    const edges = {
      prompt: "a",
      temperature: 0,
      top_p: 1,
      top_k: -1,
      min_p: 1,
      seed: 0,
      max_answer_tokens: 1,
    };
    expect(CompletionRequest.safeParse(edges).success).toBe(true);
    expect(CompletionRequest.safeParse({ prompt: "a", temperature: 2, seed: 2 ** 53 - 1 }).success).toBe(
      true,
    );
  });
});

describe("WebSocket client messages", () => {
  it("parses create, cancel and ping", () => {
    expect(ClientMessage.parse({ type: "completion.create", id: "c1", request: { prompt: "x" } })).toEqual({
      type: "completion.create",
      id: "c1",
      request: { prompt: "x" },
    });
    expect(ClientMessage.parse({ type: "completion.cancel", id: "c1" }).type).toBe("completion.cancel");
    expect(ClientMessage.parse({ type: "ping" })).toEqual({ type: "ping" });
  });

  it("leaves the request unparsed, so that a bad request is answered under its own id", () => {
    const msg = ClientMessage.parse({ type: "completion.create", id: "c2", request: { nonsense: true } });
    expect(msg.type === "completion.create" && msg.id).toBe("c2");
  });

  it.each([
    [{ type: "completion.create", request: {} }],
    [{ type: "completion.create", id: "", request: {} }],
    [{ type: "completion.create", id: "x".repeat(129), request: {} }],
    [{ type: "completion.cancel" }],
    [{ type: "ping", id: "p" }],
    [{ type: "completion.delete", id: "c" }],
    [{ id: "c" }],
  ])("refuses %j", (message) => {
    expect(ClientMessage.safeParse(message).success).toBe(false);
  });
});

const RESULT = {
  output: { a: 1 },
  text: '{"a": 1}',
  valid: true,
  validation: { kind: "json", checked: true },
  draft: '{"a": 2}',
  effort: "low",
  steps: [
    {
      step: "think",
      prompt_tokens: 10,
      completion_tokens: 5,
      cached_tokens: null,
      finish_reason: "stop",
      ms: 1.5,
    },
  ],
  usage: { prompt_tokens: 10, completion_tokens: 5, thinking_tokens: 5, cached_tokens: 0, total_tokens: 15 },
  model: "m",
  job_id: "j",
  cached: false,
};

describe("WebSocket server messages", () => {
  it.each([
    [{ type: "completion.queued", id: "c", job_id: "j", position: 0 }],
    [{ type: "completion.step", id: "c", step: "think", status: "started" }],
    [
      {
        type: "completion.step",
        id: "c",
        step: "final",
        status: "completed",
        prompt_tokens: 1,
        completion_tokens: 2,
        cached_tokens: null,
        finish_reason: "length",
        ms: 3,
      },
    ],
    [{ type: "completion.delta", id: "c", step: "reflect", text: "…" }],
    [{ type: "completion.result", id: "c", result: RESULT }],
    [{ type: "error", id: "c", error: { type: "t", code: "cancelled", message: "m" } }],
    [{ type: "error", error: { type: "t", code: "invalid_request", message: "m", param: "id" } }],
    [{ type: "pong" }],
  ])("accepts %j", (message) => {
    expect(ServerMessage.safeParse(message).success).toBe(true);
  });

  it("refuses a step that is not one of the four, and a result that is not valid", () => {
    expect(
      ServerMessage.safeParse({ type: "completion.step", id: "c", step: "plan", status: "started" }).success,
    ).toBe(false);
    const invalid = { ...RESULT, valid: false };
    expect(ServerMessage.safeParse({ type: "completion.result", id: "c", result: invalid }).success).toBe(
      false,
    );
  });
});

describe("CompletionResult", () => {
  it("carries thinking only optionally, and draft null for `none`", () => {
    expect(CompletionResult.safeParse({ ...RESULT, draft: null }).success).toBe(true);
    expect(CompletionResult.safeParse({ ...RESULT, thinking: { think: "t", reflect: null } }).success).toBe(
      true,
    );
    const { usage: _usage, ...withoutUsage } = RESULT;
    expect(CompletionResult.safeParse(withoutUsage).success).toBe(false);
  });
});

describe("ErrorEnvelope", () => {
  it("is {error: {type, code, message, param?, step?}}", () => {
    expect(ErrorEnvelope.safeParse({ error: { type: "t", code: "c", message: "m" } }).success).toBe(true);
    expect(
      ErrorEnvelope.safeParse({ error: { type: "t", code: "c", message: "m", param: "p", step: "final" } })
        .success,
    ).toBe(true);
    expect(ErrorEnvelope.safeParse({ error: { code: "c", message: "m" } }).success).toBe(false);
    expect(ErrorEnvelope.safeParse({ type: "t", code: "c", message: "m" }).success).toBe(false);
  });
});

describe("Embeddings", () => {
  it("takes OpenAI's request: one string or a list, float by default", () => {
    expect(EmbeddingsRequest.parse({ input: "a" })).toEqual({ input: "a", encoding_format: "float" });
    expect(
      EmbeddingsRequest.parse({
        input: ["a", "b"],
        model: "m",
        encoding_format: "base64",
        dimensions: 8,
        user: "u",
      }),
    ).toMatchObject({ input: ["a", "b"], encoding_format: "base64", dimensions: 8 });
  });

  it.each([
    [{}],
    [{ input: [] }],
    [{ input: "" }],
    [{ input: ["a", ""] }],
    [{ input: 3 }],
    [{ input: "a", encoding_format: "int8" }],
    [{ input: "a", n: 1 }],
  ])("refuses %j", (request) => {
    expect(EmbeddingsRequest.safeParse(request).success).toBe(false);
  });

  it("refuses more than 2048 inputs", () => {
    expect(EmbeddingsRequest.safeParse({ input: Array(2048).fill("a") }).success).toBe(true);
    expect(EmbeddingsRequest.safeParse({ input: Array(2049).fill("a") }).success).toBe(false);
  });

  it("answers in OpenAI's response shape", () => {
    const response = {
      object: "list",
      model: "m",
      data: [
        { object: "embedding", index: 0, embedding: [0.1, 0.2] },
        { object: "embedding", index: 1, embedding: "AAAAAA==" },
      ],
      usage: { prompt_tokens: 2, total_tokens: 2 },
    };
    expect(EmbeddingsResponse.parse(response)).toEqual(response);
    expect(EmbeddingsResponse.safeParse({ ...response, object: "embedding" }).success).toBe(false);
  });
});

describe("streamMessage", () => {
  it("builds step and delta messages that the wire schemas accept, with the caller's id", () => {
    const figures = {
      step: "draft" as const,
      prompt_tokens: 10,
      completion_tokens: 3,
      cached_tokens: null,
      finish_reason: "stop" as const,
      ms: 1.5,
    };
    const messages = [
      streamMessage("c1", { type: "step", step: "draft", status: "started" }),
      streamMessage("c1", { type: "delta", step: "draft", text: "he" }),
      streamMessage("c1", { type: "step", status: "completed", ...figures }),
    ];
    expect(messages).toEqual([
      { type: "completion.step", id: "c1", step: "draft", status: "started" },
      { type: "completion.delta", id: "c1", step: "draft", text: "he" },
      { type: "completion.step", id: "c1", status: "completed", ...figures },
    ]);
    for (const message of messages) {
      expect(StreamMessage.parse(message)).toEqual(message);
      expect(ServerMessage.parse(message)).toEqual(message);
    }
  });
});
