/** The engine's optional prepareConstraint: called once, before any engine call, and fatal when it throws. */
import { describe, expect, it } from "vitest";
import { ScriptedEngine } from "../test/support/scripted-engine.js";
import { DEFAULT_BUDGETS } from "./effort.js";
import type { Constraint } from "./engine.js";
import { DeliberateError } from "./errors.js";
import { type PipelineEvent, runPipeline } from "./pipeline.js";
import { CompletionRequest, type CompletionRequestInput } from "./protocol.js";

const OPTIONS = { budgets: DEFAULT_BUDGETS, answerCap: 1024, jobId: "j" };

/** The scripted engine plus a prepareConstraint that records its calls and may refuse. */
class PreparingEngine extends ScriptedEngine {
  readonly prepared: Constraint[] = [];
  counted = 0;

  constructor(private readonly refuse?: DeliberateError | Error) {
    super({ fallback: { text: "yes" } });
  }

  async prepareConstraint(constraint: Constraint, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.prepared.push(constraint);
    if (this.refuse) throw this.refuse;
  }

  override async countTokens(text: string): Promise<number> {
    this.counted++;
    return super.countTokens(text);
  }
}

const refusal = () => new DeliberateError("schema_unsupported", "the engine cannot express `not`");

async function failure(
  input: CompletionRequestInput,
  engine: PreparingEngine,
  extra: { signal?: AbortSignal } = {},
): Promise<{ err: DeliberateError; events: PipelineEvent[] }> {
  const events: PipelineEvent[] = [];
  try {
    await runPipeline(CompletionRequest.parse(input), {
      engine,
      ...OPTIONS,
      ...extra,
      onEvent: (e) => events.push(e),
    });
  } catch (err) {
    expect(err).toBeInstanceOf(DeliberateError);
    return { err: err as DeliberateError, events };
  }
  throw new Error("expected the pipeline to fail");
}

describe("pipeline: the engine's prepareConstraint", () => {
  for (const effort of ["low", "medium", "high", "none"] as const) {
    it(`${effort}: a refused constraint fails before any engine call or step event`, async () => {
      const engine = new PreparingEngine(refusal());
      const { err, events } = await failure(
        { prompt: "Q", thinking_effort: effort, structured_outputs: { choice: ["yes", "no"] } },
        engine,
      );
      expect(err.code).toBe("schema_unsupported");
      expect(err.message).toContain("`not`");
      expect(err.step).toBeUndefined();
      expect(engine.prepared).toEqual([{ kind: "choice", choices: ["yes", "no"] }]);
      expect(engine.calls).toHaveLength(0);
      expect(engine.counted).toBe(0);
      expect(events).toEqual([]);
    });
  }

  it("a plain Error from prepareConstraint becomes a DeliberateError (internal)", async () => {
    const engine = new PreparingEngine(new Error("boom"));
    const { err } = await failure({ prompt: "Q", structured_outputs: { regex: "a+" } }, engine);
    expect(err.code).toBe("internal");
    expect(engine.calls).toHaveLength(0);
  });

  it("an already aborted request is cancelled before prepareConstraint runs", async () => {
    const engine = new PreparingEngine();
    const controller = new AbortController();
    controller.abort();
    const { err } = await failure({ prompt: "Q", structured_outputs: { regex: "a+" } }, engine, {
      signal: controller.signal,
    });
    expect(err.code).toBe("cancelled");
    expect(engine.prepared).toHaveLength(0);
    expect(engine.calls).toHaveLength(0);
  });

  it("is called once with the normalised constraint, then the four steps run as usual", async () => {
    const engine = new PreparingEngine();
    const result = await runPipeline(
      CompletionRequest.parse({
        prompt: "Q",
        thinking_effort: "low",
        structured_outputs: { choice: ["yes"] },
      }),
      { engine, ...OPTIONS },
    );
    expect(result.output).toBe("yes");
    expect(engine.prepared).toEqual([{ kind: "choice", choices: ["yes"] }]);
    expect(engine.calls).toHaveLength(4);
  });

  it("is not called without a constraint", async () => {
    const engine = new PreparingEngine(refusal());
    const result = await runPipeline(CompletionRequest.parse({ prompt: "Q", thinking_effort: "none" }), {
      engine,
      ...OPTIONS,
    });
    expect(result.text).toBe("yes");
    expect(engine.prepared).toHaveLength(0);
  });
});
