import { describe, expect, it } from "vitest";
import { DeliberateError } from "../../../core/errors.js";
import { CompletionRequest } from "../../../core/protocol.js";
import { ChatCompletionRequest, TextCompletionRequest } from "./schemas.js";
import { chatToCompletionRequest, textToCompletionRequest } from "./to-completion-request.js";

const chat = (extra: Record<string, unknown>) =>
  chatToCompletionRequest(
    ChatCompletionRequest.parse({ messages: [{ role: "user", content: "hi" }], ...extra }),
  );

const refusal = (run: () => unknown): DeliberateError => {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(DeliberateError);
    return err as DeliberateError;
  }
  throw new Error("expected a refusal");
};

describe("OpenAI request → CompletionRequest", () => {
  it("maps messages, effort, format, cap and sampling into a request the service accepts", () => {
    const mapped = chat({
      model: "deliberate",
      messages: [
        { role: "developer", content: "be brief" },
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
          name: "u",
        },
        { role: "assistant", content: null },
      ],
      reasoning_effort: "minimal",
      response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "integer" } } },
      max_tokens: 10,
      max_completion_tokens: 20,
      temperature: 0,
      seed: 3,
      top_k: 5,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(mapped).toMatchObject({ model: "deliberate", stream: true, includeUsage: true, stop: [] });
    expect(mapped.request).toEqual({
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "a\nb" },
        { role: "assistant", content: "" },
      ],
      thinking_effort: "none",
      structured_outputs: { json: { type: "integer" } },
      max_answer_tokens: 20,
      temperature: 0,
      seed: 3,
      top_k: 5,
      stream: true,
      include_thinking: true,
    });
    expect(CompletionRequest.safeParse(mapped.request).success).toBe(true);
  });

  it("json_object is any object; text and absent formats are free text; own extensions pass", () => {
    expect(chat({ response_format: { type: "json_object" } }).request.structured_outputs).toEqual({
      json: { type: "object" },
    });
    expect(chat({ response_format: { type: "text" } }).request.structured_outputs).toBeUndefined();
    expect(
      chat({ structured_outputs: { choice: ["a", "b"] }, thinking_effort: "high" }).request,
    ).toMatchObject({
      structured_outputs: { choice: ["a", "b"] },
      thinking_effort: "high",
    });
  });

  it("refuses contradictions and what only the OpenAI form can get wrong, naming the parameter", () => {
    expect(refusal(() => chat({ reasoning_effort: "low", thinking_effort: "high" })).param).toBe(
      "reasoning_effort",
    );
    expect(
      refusal(() => chat({ response_format: { type: "json_object" }, structured_outputs: { regex: "a" } }))
        .param,
    ).toBe("response_format");
    expect(refusal(() => chat({ stop: "x", structured_outputs: { regex: "a+" } })).param).toBe("stop");
    expect(refusal(() => chat({ messages: [{ role: "user", content: null }] })).param).toBe(
      "messages.0.content",
    );
    expect(refusal(() => chat({ n: 3 })).param).toBe("n");
  });

  it("/v1/completions takes one prompt string, not token ids or batches", () => {
    const text = (prompt: unknown) => textToCompletionRequest(TextCompletionRequest.parse({ prompt }));
    expect(text(["just one"]).request).toMatchObject({ prompt: "just one" });
    expect(refusal(() => text([1, 2, 3])).param).toBe("prompt");
    expect(refusal(() => text(["a", "b"])).param).toBe("prompt");
  });
});
