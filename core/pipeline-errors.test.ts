/** How a pipeline fails: bad answers, engine errors, cancellation, deadlines, requests that cannot fit. */
import { describe, expect, it } from "vitest";
import { ScriptedEngine, type ScriptedReply } from "../test/support/scripted-engine.js";
import { DEFAULT_BUDGETS } from "./effort.js";
import type { CompletionCall } from "./engine.js";
import { DeliberateError } from "./errors.js";
import { type PipelineEvent, runPipeline } from "./pipeline.js";
import { CompletionRequest, type CompletionRequestInput } from "./protocol.js";

const OPTIONS = { budgets: DEFAULT_BUDGETS, answerCap: 1024, jobId: "j" };

async function failure(
  input: CompletionRequestInput,
  engine: ScriptedEngine,
  extra: { signal?: AbortSignal; onEvent?: (e: PipelineEvent) => void } = {},
): Promise<DeliberateError> {
  try {
    await runPipeline(CompletionRequest.parse(input), { engine, ...OPTIONS, ...extra });
  } catch (err) {
    expect(err).toBeInstanceOf(DeliberateError);
    return err as DeliberateError;
  }
  throw new Error("expected the pipeline to fail");
}

/** A reply that never settles until the call's signal aborts, like a long generation. */
const hang: ScriptedReply = (call: CompletionCall) =>
  new Promise((_, reject) => {
    call.signal?.addEventListener("abort", () => reject(call.signal!.reason), { once: true });
  });

describe("answers that break the contract", () => {
  it("an invalid final answer is constraint_violation at step final (the draft is not judged)", async () => {
    const engine = new ScriptedEngine({
      replies: [{ text: "t" }, { text: "not json either" }, { text: "t" }, { text: '{"n": "x"}' }],
    });
    const err = await failure(
      { prompt: "Q", structured_outputs: { json: { properties: { n: { type: "integer" } } } } },
      engine,
    );
    expect(err.code).toBe("constraint_violation");
    expect(err.step).toBe("final");
    expect(err.message).toContain("/n must be integer");
    expect(engine.calls).toHaveLength(4);
  });

  it("a final answer cut by length is answer_truncated, even if it happens to validate", async () => {
    const engine = new ScriptedEngine({ replies: [{ text: "ye", finishReason: "length" }] });
    const err = await failure(
      { prompt: "Q", thinking_effort: "none", structured_outputs: { regex: "[a-z]+" }, max_answer_tokens: 2 },
      engine,
    );
    expect(err.code).toBe("answer_truncated");
    expect(err.status).toBe(422);
    expect(err.step).toBe("final");
    expect(err.param).toBe("max_answer_tokens");
    expect(err.message).toContain("cap of 2 tokens");
    // the partial answer comes with the error, so the client can see how far it got
    expect(err.output).toBe("ye");
    expect(err.toEnvelope().error.output).toBe("ye");
  });

  it("a step the engine aborted by itself is engine_error naming the step, and nothing runs after it", async () => {
    const engine = new ScriptedEngine({ replies: [{ text: "t" }, { text: "", finishReason: "abort" }] });
    const err = await failure({ prompt: "Q", structured_outputs: { choice: ["a", "b"] } }, engine);
    expect(err.code).toBe("engine_error");
    expect(err.step).toBe("draft");
    expect(engine.calls).toHaveLength(2);
  });

  it("a draft cut by length is not an error: reflection gets to fix it", async () => {
    const engine = new ScriptedEngine({
      replies: [{ text: "t" }, { text: '{"a"', finishReason: "length" }, { text: "t" }, { text: "{}" }],
    });
    const result = await runPipeline(
      CompletionRequest.parse({ prompt: "Q", structured_outputs: { json: { type: "object" } } }),
      { engine, ...OPTIONS },
    );
    expect(result.output).toEqual({});
  });
});

describe("requests refused before any engine call", () => {
  it("malformed structured_outputs → invalid_request naming the field", async () => {
    const engine = new ScriptedEngine();
    const err = await failure({ prompt: "Q", structured_outputs: { regex: "(" } }, engine);
    expect(err.code).toBe("invalid_request");
    expect(err.param).toBe("structured_outputs.regex");
    expect(engine.calls).toHaveLength(0);
  });

  it("a conversation that cannot fit the context → context_overflow", async () => {
    const engine = new ScriptedEngine({ info: { maxModelLen: 2048 } });
    const err = await failure({ prompt: "word ".repeat(2000) }, engine);
    expect(err.code).toBe("context_overflow");
    expect(engine.calls).toHaveLength(0);
  });
});

describe("engine errors", () => {
  it("keep their code and get the name of the step they happened in", async () => {
    const engine = new ScriptedEngine({
      replies: [
        { text: "t" },
        { text: "d" },
        () => {
          throw new DeliberateError("engine_unavailable", "vLLM is gone", { retryable: true });
        },
      ],
    });
    const err = await failure({ prompt: "Q" }, engine);
    expect(err.code).toBe("engine_unavailable");
    expect(err.step).toBe("reflect");
    expect(engine.calls).toHaveLength(3);
  });

  it("an unexpected exception becomes internal, still naming the step, without leaking its text", async () => {
    const engine = new ScriptedEngine({
      replies: [
        () => {
          throw new TypeError("secret internals");
        },
      ],
    });
    const err = await failure({ prompt: "Q" }, engine);
    expect(err.code).toBe("internal");
    expect(err.step).toBe("think");
    expect(err.message).not.toContain("secret");
  });

  it("an error that already names a step keeps it", async () => {
    const engine = new ScriptedEngine({
      replies: [
        () => {
          throw new DeliberateError("engine_error", "bad", { step: "final" });
        },
      ],
    });
    expect((await failure({ prompt: "Q" }, engine)).step).toBe("final");
  });
});

describe("cancellation and deadlines", () => {
  it("an already-aborted signal stops the pipeline before any engine call", async () => {
    const engine = new ScriptedEngine();
    const err = await failure({ prompt: "Q" }, engine, { signal: AbortSignal.abort() });
    expect(err.code).toBe("cancelled");
    expect(engine.calls).toHaveLength(0);
  });

  it("an abort while the prompt is being counted stops the pipeline before any engine call", async () => {
    const controller = new AbortController();
    class SlowCounter extends ScriptedEngine {
      override async countTokens(text: string): Promise<number> {
        controller.abort();
        return super.countTokens(text);
      }
    }
    // A context this small makes the pipeline count the prompt (effort.ts, fitBudgetWithoutCounting).
    const engine = new SlowCounter({ info: { maxModelLen: 2700 } });
    const err = await failure({ prompt: "Q" }, engine, { signal: controller.signal });
    expect(err.code).toBe("cancelled");
    expect(engine.calls).toHaveLength(0);
  });

  it("an abort during step 2 aborts that call and makes no further ones: cancelled", async () => {
    const controller = new AbortController();
    const engine = new ScriptedEngine({ replies: [{ text: "t" }, hang] });
    const err = await failure({ prompt: "Q" }, engine, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "step" && e.step === "draft" && e.status === "started") {
          setTimeout(() => controller.abort(), 0);
        }
      },
    });
    expect(err.code).toBe("cancelled");
    expect(err.status).toBe(499);
    expect(err.step).toBe("draft");
    expect(engine.calls).toHaveLength(2);
    // every call carried the request's signal, so the engine could stop the upstream work
    for (const call of engine.calls) expect(call.signal).toBe(controller.signal);
  });

  it("an abort that lands just as a call returns still stops the pipeline", async () => {
    const controller = new AbortController();
    const engine = new ScriptedEngine({
      replies: [
        { text: "t" },
        () => {
          controller.abort();
          return { text: "d" };
        },
      ],
    });
    const err = await failure({ prompt: "Q" }, engine, { signal: controller.signal });
    expect(err.code).toBe("cancelled");
    expect(engine.calls).toHaveLength(2);
  });

  it("a signal whose reason is a timeout error ends in timeout", async () => {
    const controller = new AbortController();
    const engine = new ScriptedEngine({ replies: [{ text: "t" }, { text: "d" }, hang] });
    const err = await failure({ prompt: "Q" }, engine, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "step" && e.step === "reflect" && e.status === "started") {
          setTimeout(() => controller.abort(new DeliberateError("timeout", "the request took too long")), 0);
        }
      },
    });
    expect(err.code).toBe("timeout");
    expect(err.status).toBe(504);
    expect(engine.calls).toHaveLength(3);
  });
});
