/**
 * The pipeline on the real embedded engine: a constraint llama.cpp cannot express is refused by
 * the engine's prepareConstraint before the think step, at every effort.
 */
import { describe, expect, it } from "vitest";
import type { CompletionCall } from "../../engine.js";
import { DeliberateError } from "../../errors.js";
import { type PipelineEvent, runPipeline } from "../../pipeline.js";
import { CompletionRequest, EFFORTS } from "../../protocol.js";
import { useDemoEngine } from "./test-support.js";

const demo = useDemoEngine();

describe("pipeline on the embedded engine: up-front rejection of an inexpressible schema", () => {
  for (const effort of EFFORTS) {
    it(`${effort}: a schema with \`not\` is schema_unsupported with no completion call and no step`, async () => {
      const calls: CompletionCall[] = [];
      // The real engine, with its completion calls recorded (and passed through).
      const engine = Object.create(demo.engine) as typeof demo.engine;
      engine.completion = (call) => {
        calls.push(call);
        return demo.engine.completion(call);
      };
      const events: PipelineEvent[] = [];
      const err = await runPipeline(
        CompletionRequest.parse({
          prompt: "Anything but a string.",
          thinking_effort: effort,
          structured_outputs: { json: { type: "string", not: { format: "date" } } },
        }),
        {
          engine,
          budgets: { low: 24, medium: 48, high: 96 },
          answerCap: 64,
          jobId: "j",
          onEvent: (e) => events.push(e),
        },
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DeliberateError);
      expect((err as DeliberateError).code).toBe("schema_unsupported");
      expect((err as DeliberateError).message).toMatch(/`not`/);
      expect(calls).toHaveLength(0);
      expect(events).toEqual([]);
      expect(demo.engine.stats().available).toBe(1);
    });
  }

  it("a constraint it can express is compiled once, up front, and then used by the steps", async () => {
    const before = demo.engine.stats().grammarsCached;
    const result = await runPipeline(
      CompletionRequest.parse({
        prompt: "Pick one.",
        thinking_effort: "low",
        structured_outputs: { choice: ["left", "right"] },
        seed: 1,
      }),
      { engine: demo.engine, budgets: { low: 24, medium: 48, high: 96 }, answerCap: 64, jobId: "j" },
    );
    expect(["left", "right"]).toContain(result.output);
    expect(demo.engine.stats().grammarsCached).toBe(before + 1);
  });
});
