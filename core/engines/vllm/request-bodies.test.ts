import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { standInWithEngine, type Fixture } from "../../../test/vllm-stand-in/fixture.js";
import type { TextCompletionBody } from "../../../test/vllm-stand-in/schemas.js";
import type { CompletionCall } from "../../engine.js";
import { runPipeline } from "../../pipeline.js";
import { CompletionRequest, type CompletionRequestInput, type StructuredOutputs } from "../../protocol.js";
import { completionBody, embeddingsBody, tokenizeBody } from "./bodies.js";

const SCHEMA = {
  type: "object",
  properties: { answer: { type: "integer" }, why: { type: "string", minLength: 2 } },
  required: ["answer", "why"],
};
const BUDGETS = { low: 64, medium: 128, high: 256 };

let f: Fixture;
beforeEach(async () => {
  f = await standInWithEngine();
});
afterEach(async () => {
  // Any body real vLLM would silently mis-handle shows up here.
  expect(f.standIn.violations).toEqual([]);
  await f.stop();
});

async function run(input: CompletionRequestInput) {
  const prompts: string[] = [];
  const result = await runPipeline(CompletionRequest.parse(input), {
    engine: f.engine,
    budgets: BUDGETS,
    answerCap: 100,
    jobId: "job-1",
    onPrompt: (_step, prompt) => prompts.push(prompt),
  });
  // A constraint the engine has not compiled yet first costs one 1-token compile check.
  const all = f.standIn.completionBodies();
  const isCheck = (body: TextCompletionBody) => body.max_tokens === 1;
  return { result, prompts, all, checks: all.filter(isCheck), bodies: all.filter((b) => !isCheck(b)) };
}

describe("the four request bodies of a pipeline run", () => {
  it("think and reflect stop at </think> unconstrained; draft and final are constrained; prompts extend", async () => {
    const { result, prompts, all, checks, bodies } = await run({
      prompt: "How many legs has a spider?",
      thinking_effort: "low",
      structured_outputs: { json: SCHEMA },
      seed: 7,
      temperature: 0.3,
    });
    expect(result.output).toEqual({ answer: 0, why: "aa" });
    expect(bodies).toHaveLength(4);
    // The compile check comes first, greedy, with the constraint exactly as the steps send it.
    expect(all[0]).toBe(checks[0]);
    expect(checks).toEqual([
      {
        model: "Qwen/Qwen3-8B",
        prompt: "<|im_start|>user\nAnswer.<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
        max_tokens: 1,
        temperature: 0,
        top_p: 1,
        top_k: 1,
        min_p: 0,
        seed: 0,
        structured_outputs: { json: SCHEMA },
        stream: false,
      },
    ]);
    const [think, draft, reflect, final] = bodies as [
      TextCompletionBody,
      TextCompletionBody,
      TextCompletionBody,
      TextCompletionBody,
    ];
    const sampling = {
      temperature: 0.3,
      top_p: 0.95,
      top_k: 20,
      min_p: 0,
      seed: 7,
      return_token_ids: true,
      stream: false,
    };
    expect(think).toEqual({
      model: "Qwen/Qwen3-8B",
      prompt: prompts[0],
      max_tokens: 64,
      stop: ["</think>"],
      ...sampling,
    });
    expect(reflect).toEqual({ ...think, prompt: prompts[2] });
    expect(draft).toEqual({
      model: "Qwen/Qwen3-8B",
      prompt: prompts[1],
      max_tokens: 100,
      structured_outputs: { json: SCHEMA },
      ...sampling,
    });
    // The final answer's ids would serve no later step: it does not ask for them.
    const { return_token_ids: _, ...finalBody } = draft;
    expect(final).toEqual({ ...finalBody, prompt: prompts[3] });

    // Each prompt is what the pipeline sent, and each later one extends an earlier one byte for byte.
    expect(bodies.map((b) => b.prompt)).toEqual(prompts);
    expect(think.prompt.endsWith("<|im_start|>assistant\n<think>\n")).toBe(true);
    expect(draft.prompt.startsWith(think.prompt)).toBe(true);
    expect(draft.prompt.endsWith("\n</think>\n\n")).toBe(true);
    expect(reflect.prompt.startsWith(think.prompt)).toBe(true);
    expect(reflect.prompt).toContain(result.draft!);
    expect(final.prompt.startsWith(reflect.prompt)).toBe(true);
    expect(final.prompt.endsWith("\n</think>\n\n")).toBe(true);
    for (const body of bodies) {
      expect(Object.keys(body).filter((k) => k.startsWith("guided_"))).toEqual([]);
      expect(body).not.toHaveProperty("stream_options");
    }
  });

  it("sends seed null when the request has none, and the structured_outputs key of each constraint kind", async () => {
    const kinds: [StructuredOutputs, unknown][] = [
      [{ regex: "[0-9]+" }, { regex: "[0-9]+" }],
      [{ choice: ["yes", "no"] }, { choice: ["yes", "no"] }],
      [{ grammar: 'root ::= "a" | "b"' }, { grammar: 'root ::= "a" | "b"' }],
    ];
    for (const [so, expected] of kinds) {
      f.standIn.clearRecords();
      const { bodies, checks } = await run({
        prompt: "Pick.",
        thinking_effort: "none",
        structured_outputs: so,
      });
      expect(checks).toHaveLength(1);
      const [body] = bodies;
      expect(body).toHaveProperty("seed", null);
      expect(body).not.toHaveProperty("stop");
      expect(body!.structured_outputs).toEqual(expected);
    }
  });

  it("`none` sends one constrained call whose prompt ends with the empty think block", async () => {
    const { bodies, checks } = await run({
      prompt: "Say yes.",
      thinking_effort: "none",
      structured_outputs: { choice: ["yes"] },
    });
    expect(checks).toHaveLength(1);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.prompt.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n")).toBe(true);
  });

  it("asks for SSE with usage only when the pipeline streams", async () => {
    await run({ prompt: "Hi", thinking_effort: "none", stream: false });
    expect(f.standIn.completionBodies()[0]).toMatchObject({ stream: false });
    f.standIn.clearRecords();
    await runPipeline(CompletionRequest.parse({ prompt: "Hi", thinking_effort: "none", stream: true }), {
      engine: f.engine,
      budgets: BUDGETS,
      answerCap: 100,
      jobId: "job-2",
      onEvent: () => undefined,
    });
    expect(f.standIn.completionBodies()[0]).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("counts tokens with POST /tokenize without adding special tokens", async () => {
    const count = await f.engine.countTokens("<|im_start|>user\nhello world<|im_end|>\n");
    expect(count).toBe(8); // the stand-in's toy tokenizer: markers whole, words in pieces of four
    const tokenize = f.standIn.requests.find((r) => r.path === "/tokenize");
    expect(tokenize?.body).toEqual({
      model: "Qwen/Qwen3-8B",
      prompt: "<|im_start|>user\nhello world<|im_end|>\n",
      add_special_tokens: false,
    });
  });
});

describe("body builders", () => {
  const call: CompletionCall = {
    prompt: "p",
    maxTokens: 9,
    sampling: { temperature: 0.6, topP: 0.95, topK: 20, minP: 0.05 },
    stop: [],
  };

  it("omits an empty stop list and never carries stream_options without stream", () => {
    expect(completionBody(call, "m", false)).toEqual({
      model: "m",
      prompt: "p",
      max_tokens: 9,
      temperature: 0.6,
      top_p: 0.95,
      top_k: 20,
      min_p: 0.05,
      seed: null,
      stream: false,
    });
  });

  it("asks for token ids only when told, and sends a prompt as ids when given them", () => {
    const body = completionBody({ ...call, returnTokens: true }, "m", false, [1, 2, 3]);
    expect(body).toMatchObject({ prompt: [1, 2, 3], return_token_ids: true });
  });

  it("builds the tokenize and embeddings bodies with vLLM's names", () => {
    expect(tokenizeBody("m", "x")).toEqual({ model: "m", prompt: "x", add_special_tokens: false });
    expect(embeddingsBody({ input: ["a"], dimensions: 4 }, undefined)).toEqual({
      input: ["a"],
      encoding_format: "float",
      dimensions: 4,
    });
  });
});
