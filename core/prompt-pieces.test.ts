import { describe, expect, it } from "vitest";
import { ScriptedEngine } from "../test/support/scripted-engine.js";
import type { CompletionCall, CompletionOutput } from "./engine.js";
import { runPipeline } from "./pipeline.js";
import { CompletionRequest } from "./protocol.js";

// A toy tokenizer: one id per character. Generated ids are marked (+1e6) so a test can tell the
// ids an engine generated from the ids of text tokenized again.
const codes = (text: string) => [...text].map((c) => c.codePointAt(0)!);
const GENERATED = 1_000_000;
const idsOf = (call: CompletionCall) =>
  call.pieces ? call.pieces.flatMap((p) => p.tokens ?? codes(p.text)) : codes(call.prompt);

function engineWithIds(withIds: (index: number) => boolean) {
  return new ScriptedEngine({
    fallback: (call, index): Partial<CompletionOutput> => {
      const cut = index === 0;
      const text = call.constraint ? `{"n": ${index}}` : cut ? "thinking that ends." : "checked.";
      return {
        text,
        finishReason: cut && !call.constraint ? "length" : "stop",
        ...(withIds(index)
          ? { tokens: { prompt: idsOf(call), generated: codes(text).map((c) => c + GENERATED) } }
          : {}),
      };
    },
  });
}

const request = CompletionRequest.parse({
  prompt: "Is 9 prime?",
  thinking_effort: "low",
  structured_outputs: { json: { type: "object" } },
});
const options = (engine: ScriptedEngine) => ({
  engine,
  budgets: { low: 64, medium: 64, high: 64 },
  answerCap: 32,
  jobId: "j",
});

describe("prompt pieces (token ids for steps 2–4)", () => {
  it("each later prompt's pieces join to its text, and carry the earlier ids plus the fixed text", async () => {
    const engine = engineWithIds(() => true);
    await runPipeline(request, options(engine));
    const [think, draft, reflect, final] = engine.calls as [CompletionCall, ...CompletionCall[]];
    expect(think.pieces).toBeUndefined();
    for (const call of [draft, reflect, final]) {
      expect(call!.pieces!.map((p) => p.text).join("")).toBe(call!.prompt);
    }
    const thinkSeq = [...codes(think.prompt), ...codes("thinking that ends.").map((c) => c + GENERATED)];
    const notice = draft!.prompt.slice(think.prompt.length + "thinking that ends.".length);
    expect(idsOf(draft!)).toEqual([...thinkSeq, ...codes(notice)]);
    // The reflection re-reads the draft with the ids generated for it, after the thought's ids.
    const draftIds = codes('{"n": 1}').map((c) => c + GENERATED);
    const reflectIds = idsOf(reflect!);
    expect(reflectIds.slice(0, thinkSeq.length)).toEqual(thinkSeq);
    expect(reflectIds.join(",")).toContain(draftIds.join(","));
    expect(idsOf(final!).slice(0, reflectIds.length)).toEqual(reflectIds);
    expect(idsOf(final!).slice(reflectIds.length, reflectIds.length + 8)).toEqual(
      codes("checked.").map((c) => c + GENERATED),
    );
  });

  it("without the engine's ids the prompts are text only, and a later step regains pieces from its own ids", async () => {
    const none = engineWithIds(() => false);
    await runPipeline(request, options(none));
    expect(none.calls.map((c) => c.pieces)).toEqual([undefined, undefined, undefined, undefined]);

    // The draft's ids unknown: the reflection cannot be sent as ids; the final continues the
    // reflection's own reported sequence.
    const partly = engineWithIds((index) => index !== 1);
    await runPipeline(request, options(partly));
    expect(partly.calls.map((c) => c.pieces === undefined)).toEqual([true, false, true, false]);
    expect(partly.calls[3]!.pieces![0]!.text).toBe(partly.calls[2]!.prompt + "checked.");
  });
});
