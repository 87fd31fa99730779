/**
 * The whole pipeline (core/pipeline.ts) on the real embedded engine and the random demo model, at
 * every effort with every constraint kind. Random text means only structure can be asserted.
 */
import { describe, expect, it } from "vitest";
import { prepareConstraint } from "../../constraints/index.js";
import { type PipelineEvent, runPipeline } from "../../pipeline.js";
import {
  CompletionRequest,
  type CompletionRequestInput,
  EFFORTS,
  type StructuredOutputs,
} from "../../protocol.js";
import { useDemoEngine } from "./test-support.js";

const demo = useDemoEngine({ concurrency: 2 });

const BUDGETS = { low: 24, medium: 48, high: 96 };

const CASES: Array<{ name: string; so: StructuredOutputs; check: (output: unknown, text: string) => void }> =
  [
    {
      name: "json",
      so: {
        json: {
          type: "object",
          properties: {
            name: { type: "string", maxLength: 12 },
            ok: { type: "boolean" },
            count: { type: "integer" },
            tags: { type: "array", items: { enum: ["a", "b"] }, maxItems: 3 },
            kind: { enum: ["x", "y", null] },
          },
          required: ["name", "ok"],
        },
      },
      check: (output) => {
        expect(output).toMatchObject({ ok: expect.any(Boolean), name: expect.any(String) });
        expect((output as { name: string }).name.length).toBeLessThanOrEqual(12);
      },
    },
    {
      name: "regex",
      so: { regex: "[a-z]{2,6}(-[0-9]{1,3})?" },
      check: (_o, text) => expect(text).toMatch(/^[a-z]{2,6}(-[0-9]{1,3})?$/),
    },
    {
      name: "choice",
      so: { choice: ["red", "green", "dark blue"] },
      check: (_o, text) => expect(["red", "green", "dark blue"]).toContain(text),
    },
    {
      name: "grammar",
      so: { grammar: 'root ::= "<" tag ">" [0-9]{1,4} "</" tag ">"\ntag ::= "a" | "b"' },
      check: (_o, text) => expect(text).toMatch(/^<[ab]>[0-9]{1,4}<\/[ab]>$/),
    },
  ];

const run = (input: CompletionRequestInput, onEvent?: (e: PipelineEvent) => void) =>
  runPipeline(CompletionRequest.parse(input), {
    engine: demo.engine,
    budgets: BUDGETS,
    answerCap: 256,
    jobId: "job-test",
    ...(onEvent ? { onEvent } : {}),
  });

describe("pipeline on the embedded engine: every effort × every constraint kind", () => {
  for (const effort of EFFORTS) {
    for (const c of CASES) {
      it(`${effort} / ${c.name}: the final answer passes the post-hoc validator`, async () => {
        for (const seed of [1, 2]) {
          const result = await run({
            prompt: "Answer in the required format.",
            thinking_effort: effort,
            structured_outputs: c.so,
            seed,
            include_thinking: true,
          });
          expect(result.valid).toBe(true);
          expect(result.model).toMatch(/random text/);
          expect(prepareConstraint(c.so)!.validate(result.text).output).toEqual(result.output);
          c.check(result.output, result.text);
          expect(result.steps.map((s) => s.step)).toEqual(
            effort === "none" ? ["final"] : ["think", "draft", "reflect", "final"],
          );
          if (effort === "none") expect(result.draft).toBeNull();
          else {
            c.check(c.name === "json" ? JSON.parse(result.draft!) : result.draft, result.draft!);
            const think = result.steps[0]!;
            expect(think.completion_tokens).toBeLessThanOrEqual(BUDGETS[effort]);
            // Later prompts extend earlier ones, so the engine re-uses their KV cache.
            expect(result.steps[3]!.cached_tokens).toBeGreaterThan(think.prompt_tokens);
          }
        }
      });
    }
  }
});

describe("pipeline on the embedded engine: streaming", () => {
  it("streams deltas of every step that add up to the final text", async () => {
    const deltas: Record<string, string> = {};
    const result = await run(
      {
        prompt: "Pick one.",
        thinking_effort: "low",
        structured_outputs: { choice: ["yes", "no"] },
        seed: 3,
        stream: true,
      },
      (e) => {
        if (e.type === "delta") deltas[e.step] = (deltas[e.step] ?? "") + e.text;
      },
    );
    expect(deltas.final).toBe(result.text);
    expect(deltas.draft).toBe(result.draft);
    expect(Object.keys(deltas)).toContain("final");
  });
});
