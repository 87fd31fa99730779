import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type invalidRequest, parseOrInvalid } from "./invalid-request.js";
import { CompletionRequest, EmbeddingsRequest } from "./protocol.js";

const failure = (schema: z.ZodType, value: unknown, prefix?: string[]) => {
  try {
    parseOrInvalid(schema, value, prefix);
  } catch (err) {
    return err as ReturnType<typeof invalidRequest>;
  }
  throw new Error("parsed");
};

describe("invalidRequest", () => {
  it("names an unknown key itself as param, each unknown key as its own problem", () => {
    const err = failure(CompletionRequest, { prompt: "x", bogus: 1, other: 2 });
    expect(err).toMatchObject({ code: "invalid_request", param: "bogus" });
    expect(err.message).toBe("bogus: unknown field; other: unknown field");
  });

  it("names nested fields by dotted path, under a prefix when given", () => {
    expect(failure(CompletionRequest, { messages: [{ role: "user", content: 1 }] }).param).toBe(
      "messages.0.content",
    );
    expect(failure(EmbeddingsRequest, { input: "" }, ["openai_input"]).param).toBe("openai_input.input");
    expect(failure(z.string(), 5, ["input"]).param).toBe("input");
  });

  it("lists at most three problems and counts the rest", () => {
    const err = failure(CompletionRequest, { prompt: 1, temperature: -1, top_p: 5, seed: "s", stream: 1 });
    expect(err.param).toBe("prompt");
    expect(err.message.split("; ").map((line) => line.split(":")[0])).toEqual([
      "prompt",
      "temperature",
      "top_p",
      "and 2 more",
    ]);
  });

  it("has no param when the value as a whole is wrong", () => {
    const err = failure(CompletionRequest, "text");
    expect(err.param).toBeUndefined();
    expect(err.message).toMatch(/expected object/);
  });
});

describe("unknown fields from other APIs", () => {
  it.each([
    ["max_tokens", "use max_answer_tokens"],
    ["response_format", "use structured_outputs"],
    ["guided_json", "use structured_outputs.json"],
  ])("%s names the field and suggests what to use", (field, suggestion) => {
    const err = failure(CompletionRequest, { prompt: "hi", [field]: 1 });
    expect(err.param).toBe(field);
    expect(err.message).toContain(`${field}: unknown field; ${suggestion}`);
  });

  it("an unknown field nobody uses elsewhere is just unknown", () => {
    expect(failure(CompletionRequest, { prompt: "hi", colour: 1 }).message).toBe("colour: unknown field");
  });
});
