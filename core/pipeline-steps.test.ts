/** The pipeline's engine calls: order, prompts, caps, stops and constraints of each step. */
import { describe, expect, it } from "vitest";
import { ScriptedEngine, type ScriptedReply } from "../test/support/scripted-engine.js";
import { DEFAULT_BUDGETS, PIPELINE_OVERHEAD_TOKENS } from "./effort.js";
import { DEFAULT_SAMPLING, runPipeline } from "./pipeline.js";
import { CUTOFF_NOTICE, draftBlock, noThinkPrompt, THINK_CLOSE, thinkPrompt } from "./prompt.js";
import { CompletionRequest, CompletionResult, type CompletionRequestInput } from "./protocol.js";

const JOB = { budgets: DEFAULT_BUDGETS, answerCap: 1024, jobId: "job-1" };

async function run(input: CompletionRequestInput, replies: ScriptedReply[], engineInfo = {}) {
  const engine = new ScriptedEngine({ replies, info: engineInfo });
  const result = await runPipeline(CompletionRequest.parse(input), { engine, ...JOB });
  // every result the pipeline returns is a valid wire result
  expect(CompletionResult.safeParse(result).success).toBe(true);
  return { engine, result, prompts: engine.calls.map((c) => c.prompt) };
}

const PERSON = {
  type: "object",
  properties: { name: { type: "string" } },
  required: ["name"],
  additionalProperties: false,
};

describe("four steps in order", () => {
  const replies: ScriptedReply[] = [
    { text: "The user wants a name.\n" },
    { text: '{"name": "Ada"}' },
    { text: " No, it is fine.\n" },
    { text: '{"name": "Grace"}' },
  ];

  it("think → draft → reflect → final, each with its cap, stop and constraint", async () => {
    const { engine, result } = await run(
      { prompt: "A name?", thinking_effort: "medium", structured_outputs: { json: PERSON } },
      replies,
    );
    const calls = engine.calls;
    expect(calls).toHaveLength(4);
    expect(result.steps.map((s) => s.step)).toEqual(["think", "draft", "reflect", "final"]);
    // thinking passes: thinking budget, stop at </think>, unconstrained
    for (const call of [calls[0]!, calls[2]!]) {
      expect(call.maxTokens).toBe(DEFAULT_BUDGETS.medium);
      expect(call.stop).toEqual([THINK_CLOSE]);
      expect(call.constraint).toBeUndefined();
    }
    // answer passes: answer cap, no stop string, the request's constraint
    for (const call of [calls[1]!, calls[3]!]) {
      expect(call.maxTokens).toBe(1024);
      expect(call.stop).toBeUndefined();
      expect(call.constraint).toEqual({ kind: "json", schema: PERSON });
    }
    for (const call of calls) expect(call.sampling).toEqual(DEFAULT_SAMPLING);
    expect(result.draft).toBe('{"name": "Ada"}');
    expect(result.output).toEqual({ name: "Grace" });
    expect(result.text).toBe('{"name": "Grace"}');
    expect(result.validation).toEqual({ kind: "json", checked: true });
  });

  it("each later prompt extends the step-1 prompt byte for byte, plus generated text", async () => {
    const { prompts } = await run({ prompt: "A name?", structured_outputs: { json: PERSON } }, replies);
    const [p1, p2, p3, p4] = prompts as [string, string, string, string];
    expect(p1).toBe(thinkPrompt([{ role: "user", content: "A name?" }]));
    expect(p2.startsWith(p1 + "The user wants a name.\n")).toBe(true);
    expect(p2).toBe(`${p1}The user wants a name.\n${THINK_CLOSE}\n\n`);
    expect(p3.startsWith(p1 + "The user wants a name.\n")).toBe(true);
    expect(p3).toBe(`${p1}The user wants a name.\n${draftBlock('{"name": "Ada"}')}`);
    expect(p4.startsWith(p3 + " No, it is fine.\n")).toBe(true);
    expect(p4).toBe(`${p3} No, it is fine.\n${THINK_CLOSE}\n\n`);
  });

  it("adds the cutoff notice to a thinking pass that ends by length, and only to that one", async () => {
    const cut: ScriptedReply[] = [
      { text: "I was thinking about", finishReason: "length" },
      { text: "draft" },
      { text: " looks right.\n", finishReason: "stop" },
      { text: "final" },
    ];
    const { prompts } = await run({ prompt: "Q" }, cut);
    expect(prompts[1]).toBe(`${prompts[0]}I was thinking about${CUTOFF_NOTICE}${THINK_CLOSE}\n\n`);
    expect(prompts[3]).toBe(`${prompts[2]} looks right.\n${THINK_CLOSE}\n\n`);
    expect(prompts[3]).not.toContain(`right.\n${CUTOFF_NOTICE}`);

    const reflectCut: ScriptedReply[] = [
      { text: "ok\n" },
      { text: "d" },
      { text: "hmm", finishReason: "length" },
    ];
    const second = await run({ prompt: "Q" }, [...reflectCut, { text: "f" }]);
    expect(second.prompts[1]).not.toContain(CUTOFF_NOTICE);
    expect(second.prompts[3]).toBe(`${second.prompts[2]}hmm${CUTOFF_NOTICE}${THINK_CLOSE}\n\n`);
  });

  it("`none` runs one constrained call on the empty-think prompt", async () => {
    const { engine, result, prompts } = await run(
      { prompt: "Yes or no?", thinking_effort: "none", structured_outputs: { choice: ["yes", "no"] } },
      [{ text: "no" }],
    );
    expect(engine.calls).toHaveLength(1);
    expect(prompts[0]).toBe(noThinkPrompt([{ role: "user", content: "Yes or no?" }]));
    expect(engine.calls[0]!.constraint).toEqual({ kind: "choice", choices: ["yes", "no"] });
    expect(engine.calls[0]!.stop).toBeUndefined();
    expect(engine.calls[0]!.maxTokens).toBe(1024);
    expect(result.steps.map((s) => s.step)).toEqual(["final"]);
    expect(result.draft).toBeNull();
    expect(result.output).toBe("no");
  });

  it("passes the request's sampling and answer cap to every call", async () => {
    const { engine } = await run(
      { prompt: "Q", temperature: 0, top_p: 0.5, top_k: 3, min_p: 0.1, seed: 42, max_answer_tokens: 77 },
      [],
    );
    for (const call of engine.calls) {
      expect(call.sampling).toEqual({ temperature: 0, topP: 0.5, topK: 3, minP: 0.1, seed: 42 });
    }
    expect(engine.calls.map((c) => c.maxTokens)).toEqual([512, 77, 512, 77]);
  });

  it("shrinks the thinking budget to fit the model's context", async () => {
    const maxModelLen = 3000;
    const engine = new ScriptedEngine({ info: { maxModelLen } });
    const request = CompletionRequest.parse({ prompt: "Q", thinking_effort: "high" });
    await runPipeline(request, { engine, ...JOB });
    const promptTokens = await engine.countTokens(engine.calls[0]!.prompt);
    const expected = Math.floor((maxModelLen - promptTokens - PIPELINE_OVERHEAD_TOKENS - 2 * 1024) / 2);
    expect(expected).toBeLessThan(DEFAULT_BUDGETS.high);
    expect(engine.calls[0]!.maxTokens).toBe(expected);
    expect(engine.calls[2]!.maxTokens).toBe(expected);
  });
});

describe("counting the prompt", () => {
  /** Counts the pipeline's tokenize calls (the scripted completion counts its prompts too). */
  class CountingEngine extends ScriptedEngine {
    counted = 0;
    override async countTokens(text: string): Promise<number> {
      if (this.calls.length === 0) this.counted++;
      return super.countTokens(text);
    }
  }

  it("asks the engine only when the prompt's byte length could shrink the thinking budget", async () => {
    const roomy = new CountingEngine();
    await runPipeline(CompletionRequest.parse({ prompt: "Q", thinking_effort: "high" }), {
      engine: roomy,
      ...JOB,
    });
    expect(roomy.counted).toBe(0);
    expect(roomy.calls[0]!.maxTokens).toBe(DEFAULT_BUDGETS.high);
    // Room for the full budget only if the prompt is short in tokens: it is counted, and fits.
    const prompt = "word ".repeat(400);
    const maxModelLen = 2 * DEFAULT_BUDGETS.high + 2 * 1024 + PIPELINE_OVERHEAD_TOKENS + 1000;
    const tight = new CountingEngine({ info: { maxModelLen } });
    await runPipeline(CompletionRequest.parse({ prompt, thinking_effort: "high" }), {
      engine: tight,
      ...JOB,
    });
    expect(tight.counted).toBe(1);
    expect(tight.calls[0]!.maxTokens).toBe(DEFAULT_BUDGETS.high);
  });
});

describe("every effort with every kind of answer", () => {
  const kinds = {
    json: { so: { json: PERSON }, answer: '{"name": "Ada"}', output: { name: "Ada" }, checked: true },
    regex: { so: { regex: "[0-9]{3}" }, answer: "123", output: "123", checked: true },
    choice: { so: { choice: ["red", "green"] }, answer: "green", output: "green", checked: true },
    grammar: { so: { grammar: 'root ::= "a" "b"*' }, answer: "abb", output: "abb", checked: false },
    none: { so: undefined, answer: "Free text.", output: "Free text.", checked: false },
  } as const;
  const cases = (["none", "low", "medium", "high"] as const).flatMap((effort) =>
    (Object.keys(kinds) as Array<keyof typeof kinds>).map((kind) => ({ effort, kind })),
  );

  it.each(cases)("$effort × $kind", async ({ effort, kind }) => {
    const k = kinds[kind];
    // thinking passes (the calls with a stop string) think; answer passes answer
    const engine = new ScriptedEngine({
      fallback: (call) => ({ text: call.stop ? "thinking…\n" : k.answer }),
    });
    const out = await runPipeline(
      CompletionRequest.parse({ prompt: "Q", thinking_effort: effort, structured_outputs: k.so }),
      { engine, ...JOB },
    );
    expect(CompletionResult.safeParse(out).success).toBe(true);
    const calls = engine.calls;
    expect(calls).toHaveLength(effort === "none" ? 1 : 4);
    const answerCalls = calls.filter((c) => c.stop === undefined);
    expect(answerCalls).toHaveLength(effort === "none" ? 1 : 2);
    for (const call of answerCalls) expect(call.constraint?.kind).toBe(k.so ? kind : undefined);
    if (effort !== "none") {
      expect(calls[0]!.maxTokens).toBe(DEFAULT_BUDGETS[effort]);
      expect(out.draft).toBe(k.answer);
    } else {
      expect(out.draft).toBeNull();
    }
    expect(out.output).toEqual(k.output);
    expect(out.text).toBe(k.answer);
    expect(out.validation).toEqual({ kind, checked: k.checked });
    expect(out.effort).toBe(effort);
  });
});

describe("reflection off", () => {
  it("runs think then the constrained final answer: no draft, no reflection", async () => {
    const { engine, result, prompts } = await run(
      {
        prompt: "A name?",
        thinking_effort: "medium",
        reflection: false,
        include_thinking: true,
        structured_outputs: { json: PERSON },
      },
      [{ text: "The user wants a name.\n" }, { text: '{"name": "Ada"}' }],
    );
    expect(result.steps.map((s) => s.step)).toEqual(["think", "final"]);
    expect(engine.calls[0]!.stop).toEqual([THINK_CLOSE]);
    expect(engine.calls[1]!.constraint).toEqual({ kind: "json", schema: PERSON });
    // the final prompt extends the think prompt byte for byte, closing the think block
    expect(prompts[1]!.startsWith(prompts[0]!)).toBe(true);
    expect(prompts[1]!.endsWith(`${THINK_CLOSE}\n\n`)).toBe(true);
    expect(result.draft).toBeNull();
    expect(result.thinking).toEqual({ think: "The user wants a name.\n", reflect: null });
    expect(result.output).toEqual({ name: "Ada" });
  });

  it("changes nothing for effort none", async () => {
    const { result } = await run(
      { prompt: "A name?", thinking_effort: "none", reflection: false, structured_outputs: { json: PERSON } },
      [{ text: '{"name": "Ada"}' }],
    );
    expect(result.steps.map((s) => s.step)).toEqual(["final"]);
  });
});
