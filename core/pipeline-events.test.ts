/** What the pipeline reports: step events, text deltas, per-step figures, usage and the result. */
import { describe, expect, it } from "vitest";
import { ScriptedEngine, type ScriptedReply } from "../test/support/scripted-engine.js";
import { DEFAULT_BUDGETS } from "./effort.js";
import { type PipelineEvent, runPipeline } from "./pipeline.js";
import { CompletionRequest, type CompletionRequestInput } from "./protocol.js";
import { FULL_RUN_STEP_EVENTS } from "../test/support/step-events.js";

const REPLIES: ScriptedReply[] = [
  { text: "Think one.\n", promptTokens: 20, completionTokens: 5, cachedTokens: 0 },
  { text: "draft answer", promptTokens: 26, completionTokens: 3, cachedTokens: 16 },
  { text: "Think two.\n", promptTokens: 40, completionTokens: 6, cachedTokens: 16 },
  { text: "final answer", promptTokens: 48, completionTokens: 4, cachedTokens: null },
];

async function collect(input: CompletionRequestInput, replies = REPLIES) {
  const events: PipelineEvent[] = [];
  const engine = new ScriptedEngine({ replies, info: { model: "qwen-test" } });
  const result = await runPipeline(CompletionRequest.parse(input), {
    engine,
    budgets: DEFAULT_BUDGETS,
    answerCap: 1024,
    jobId: "job-42",
    onEvent: (event) => events.push(event),
  });
  return { events, result, engine };
}

describe("step events", () => {
  it("announces each step as started, then completed with its figures, in order", async () => {
    const { events, result } = await collect({ prompt: "Q" });
    const steps = events.filter((e) => e.type === "step");
    expect(steps.map((e) => `${e.step}:${e.status}`)).toEqual(FULL_RUN_STEP_EVENTS);
    const completed = steps.filter((e) => e.status === "completed");
    expect(completed.map(({ type: _type, status: _status, ...figures }) => figures)).toEqual(result.steps);
    expect(result.steps[1]).toMatchObject({
      step: "draft",
      prompt_tokens: 26,
      completion_tokens: 3,
      cached_tokens: 16,
      finish_reason: "stop",
    });
    expect(result.steps[3]!.cached_tokens).toBeNull();
    for (const figures of result.steps) {
      expect(typeof figures.ms).toBe("number");
      expect(figures.ms).toBeGreaterThanOrEqual(0);
    }
  });

  it("reports the finish reason of a thinking pass cut by length", async () => {
    const { result } = await collect({ prompt: "Q" }, [{ text: "long", finishReason: "length" }]);
    expect(result.steps[0]!.finish_reason).toBe("length");
  });

  it("sends no deltas unless the request streams", async () => {
    const { events, engine } = await collect({ prompt: "Q" });
    expect(events.some((e) => e.type === "delta")).toBe(false);
    expect(engine.calls.every((c) => c.onDelta === undefined)).toBe(true);
  });

  it("streams deltas of every step, which add up to the step's text", async () => {
    const { events } = await collect({ prompt: "Q", stream: true });
    const deltas = events.filter((e) => e.type === "delta");
    const textOf = (step: string) =>
      deltas
        .filter((d) => d.step === step)
        .map((d) => d.text)
        .join("");
    expect(textOf("think")).toBe("Think one.\n");
    expect(textOf("draft")).toBe("draft answer");
    expect(textOf("reflect")).toBe("Think two.\n");
    expect(textOf("final")).toBe("final answer");
    // a step's deltas arrive between its started and completed events
    const index = (pred: (e: PipelineEvent) => boolean) => events.findIndex(pred);
    const firstDraftDelta = index((e) => e.type === "delta" && e.step === "draft");
    expect(firstDraftDelta).toBeGreaterThan(
      index((e) => e.type === "step" && e.step === "draft" && e.status === "started"),
    );
    expect(firstDraftDelta).toBeLessThan(
      index((e) => e.type === "step" && e.step === "draft" && e.status === "completed"),
    );
  });
});

describe("the result", () => {
  it("totals usage over the steps; thinking tokens are the thinking passes' output", async () => {
    const { result } = await collect({ prompt: "Q" });
    expect(result.usage).toEqual({
      prompt_tokens: 20 + 26 + 40 + 48,
      completion_tokens: 5 + 3 + 6 + 4,
      thinking_tokens: 5 + 6,
      cached_tokens: 16 + 16,
      total_tokens: 20 + 26 + 40 + 48 + 5 + 3 + 6 + 4,
    });
  });

  it("names the model, the job and the effort, and is not cached", async () => {
    const { result } = await collect({ prompt: "Q", thinking_effort: "high" });
    expect(result).toMatchObject({ model: "qwen-test", job_id: "job-42", effort: "high", cached: false });
    expect(result.valid).toBe(true);
  });

  it("carries the thinking only with include_thinking", async () => {
    expect((await collect({ prompt: "Q" })).result.thinking).toBeUndefined();
    const { result } = await collect({ prompt: "Q", include_thinking: true });
    expect(result.thinking).toEqual({ think: "Think one.\n", reflect: "Think two.\n" });
  });

  it("carries an empty thinking for `none` with include_thinking", async () => {
    const { result } = await collect({ prompt: "Q", thinking_effort: "none", include_thinking: true }, [
      { text: "answer" },
    ]);
    expect(result.thinking).toEqual({ think: "", reflect: null });
    expect(result.usage.thinking_tokens).toBe(0);
  });
});
