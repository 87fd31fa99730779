/**
 * The compile check against the stand-in: vLLM's EngineGenerateError for a constraint its backend
 * cannot compile has no message (an empty 500, or a 500 error event once streaming), and must
 * become schema_unsupported before any thinking is paid for.
 */
import { afterEach, describe, expect, it } from "vitest";
import { standInWithEngine, type Fixture } from "../../../test/vllm-stand-in/fixture.js";
import type { StructuredOutputsBody } from "../../../test/vllm-stand-in/schemas.js";
import type { Constraint } from "../../engine.js";
import { runPipeline } from "../../pipeline.js";
import { CompletionRequest } from "../../protocol.js";

let f: Fixture | undefined;
afterEach(async () => {
  expect(f?.standIn.violations).toEqual([]);
  await f?.stop();
  f = undefined;
});
async function fixture(streamAlways: boolean) {
  f = await standInWithEngine({ engine: { streamAlways } });
  return f;
}

const SCHEMA = { type: "object", properties: { a: { type: "string" }, b: { type: "integer" } } };
const json: Constraint = { kind: "json", schema: SCHEMA };
// The same schema with its keys in another order: the same constraint.
const reordered: Constraint = {
  kind: "json",
  schema: { properties: { b: SCHEMA.properties.b, a: SCHEMA.properties.a }, type: "object" },
};
const regexFails = (so: StructuredOutputsBody) => so.regex !== undefined;
const NO_MESSAGE =
  /^vLLM's structured-output backend could not compile this constraint \((.+) with no message\)$/;

describe("prepareConstraint", () => {
  it("compiles a new constraint with one constrained 1-token call, once per canonical constraint", async () => {
    const { engine, standIn } = await fixture(true);
    await engine.prepareConstraint(json);
    await engine.prepareConstraint(reordered);
    const bodies = standIn.completionBodies();
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({ max_tokens: 1, structured_outputs: { json: SCHEMA }, temperature: 0 });
    await engine.prepareConstraint({ kind: "choice", choices: ["no", "yes"] });
    await engine.prepareConstraint({ kind: "choice", choices: ["yes", "no"] });
    expect(standIn.completionBodies()).toHaveLength(3);
  });

  it.each([
    [true, "an in-stream error 500"],
    [false, "HTTP 500"],
  ])(
    "streaming %s: vLLM's message-less failure is schema_unsupported (%s), tried once, not cached",
    async (stream, how) => {
      const { engine, standIn } = await fixture(stream);
      standIn.faults.compileFails = regexFails;
      const check = () => engine.prepareConstraint({ kind: "regex", pattern: "(a|b)+" });
      const error = await check().catch((err: unknown) => err);
      expect(error).toMatchObject({ code: "schema_unsupported", param: "structured_outputs" });
      expect((error as Error).message).toMatch(NO_MESSAGE);
      expect(NO_MESSAGE.exec((error as Error).message)?.[1]).toBe(how);
      expect(standIn.count("/v1/completions")).toBe(1);
      // A failure is not remembered: the next request asks again (and here fails again).
      await expect(check()).rejects.toMatchObject({ code: "schema_unsupported" });
      expect(standIn.count("/v1/completions")).toBe(2);
    },
  );

  it("vLLM's 400 with a message is schema_unsupported carrying that message", async () => {
    const { engine, standIn } = await fixture(true);
    const message = "The provided JSON schema contains features not supported by xgrammar.";
    standIn.failNext(400, 1, { message, type: "BadRequestError" });
    await expect(engine.prepareConstraint(json)).rejects.toMatchObject({
      code: "schema_unsupported",
      message: `vLLM cannot compile this constraint: ${message}`,
    });
  });

  it("a 503 during the check is retried like any call; it is not the constraint's fault", async () => {
    const { engine, standIn } = await fixture(true);
    standIn.failNext(503, 1);
    await expect(engine.prepareConstraint(json)).resolves.toBeUndefined();
    expect(standIn.count("/v1/completions")).toBe(2);
  });
});

describe("in a pipeline", () => {
  it("an uncompilable constraint fails before the think step, and a good one runs", async () => {
    const { engine, standIn } = await fixture(true);
    standIn.faults.compileFails = regexFails;
    const options = { engine, budgets: { low: 64, medium: 64, high: 64 }, answerCap: 32, jobId: "j" };
    const request = (so: object) =>
      CompletionRequest.parse({ prompt: "Hi", thinking_effort: "high", structured_outputs: so });
    await expect(runPipeline(request({ regex: "[a-z]+" }), options)).rejects.toMatchObject({
      code: "schema_unsupported",
    });
    expect(standIn.completionBodies().map((b) => b.max_tokens)).toEqual([1]);
    standIn.clearRecords();
    await expect(runPipeline(request({ choice: ["a", "b"] }), options)).resolves.toMatchObject({
      valid: true,
    });
    expect(standIn.completionBodies()).toHaveLength(5);
  });

  it("outside the check, a message-less in-stream 500 is an engine_error that says so", async () => {
    const { engine, standIn } = await fixture(true);
    await engine.prepareConstraint({ kind: "regex", pattern: "[a-z]+" });
    standIn.faults.compileFails = regexFails; // as if vLLM failed on it after all
    await expect(
      engine.completion({
        prompt: "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
        maxTokens: 8,
        constraint: { kind: "regex", pattern: "[a-z]+" },
        sampling: { temperature: 0, topP: 1, topK: 1, minP: 0 },
      }),
    ).rejects.toMatchObject({
      code: "engine_error",
      message: "vLLM reported an error with no message (code 500)",
    });
  });
});
