import { describe, expect, it } from "vitest";
import { standInForFile } from "../../../test/vllm-stand-in/fixture.js";
import { runPipeline } from "../../pipeline.js";
import { CompletionRequest, EFFORTS, type StructuredOutputs } from "../../protocol.js";

const CONSTRAINTS: Record<string, { so: StructuredOutputs; expected: unknown }> = {
  json: {
    so: {
      json: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        properties: {
          city: { type: "string", enum: ["Paris", "Lyon"] },
          population: { type: "integer", minimum: 1000 },
          tags: { type: "array", items: { type: "string" }, minItems: 1 },
        },
        required: ["city", "population", "tags"],
        additionalProperties: false,
      },
    },
    expected: { city: "Paris", population: 1000, tags: [""] },
  },
  regex: { so: { regex: "[A-Z]{2}-\\d{3}" }, expected: "AA-000" },
  choice: { so: { choice: ["red", "green", "blue"] }, expected: "green" },
  grammar: { so: { grammar: 'root ::= "yes" | "no"' }, expected: "yes" },
};

const fixture = standInForFile({ standIn: { promptTokensDetails: true } });

describe("the pipeline end to end against the vLLM stand-in", () => {
  for (const effort of EFFORTS) {
    for (const [kind, { so, expected }] of Object.entries(CONSTRAINTS)) {
      it(`${effort} × ${kind}`, async () => {
        fixture().standIn.clearRecords();
        const result = await runPipeline(
          CompletionRequest.parse({
            messages: [
              { role: "system", content: "Answer briefly." },
              { role: "user", content: `Give me a ${kind} answer.` },
            ],
            thinking_effort: effort,
            structured_outputs: so,
            seed: 1,
            include_thinking: true,
          }),
          {
            engine: fixture().engine,
            budgets: { low: 64, medium: 128, high: 256 },
            answerCap: 64,
            jobId: `${effort}-${kind}`,
          },
        );
        expect(result.output).toEqual(expected);
        expect(result.valid).toBe(true);
        expect(result.validation).toEqual({ kind, checked: kind !== "grammar" });
        expect(result.model).toBe("Qwen/Qwen3-8B");
        const steps = result.steps.map((s) => s.step);
        expect(steps).toEqual(effort === "none" ? ["final"] : ["think", "draft", "reflect", "final"]);
        // The first run of each constraint pays one 1-token compile check; later runs none.
        const checks = fixture()
          .standIn.completionBodies()
          .filter((b) => b.max_tokens === 1);
        expect(checks).toHaveLength(effort === EFFORTS[0] ? 1 : 0);
        expect(fixture().standIn.completionBodies()).toHaveLength(steps.length + checks.length);
        if (effort === "none") {
          expect(result.draft).toBeNull();
        } else {
          expect(result.draft).toBe(result.text);
          // The stand-in's thinking ends at </think>, which the stop string cut off.
          expect(result.thinking?.think).toMatch(/step by step and then answer\.\n$/);
          expect(result.steps[0]!.finish_reason).toBe("stop");
          // Later prompts extend earlier ones, so the stand-in's prefix cache reports hits.
          expect(result.steps[3]!.cached_tokens).toBeGreaterThan(0);
        }
        expect(result.usage.total_tokens).toBe(result.usage.prompt_tokens + result.usage.completion_tokens);
      });
    }
  }
});
