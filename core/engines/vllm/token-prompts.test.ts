/**
 * Token prompts against the vLLM stand-in over loopback HTTP: steps 2–4 are sent as the ids the
 * stand-in returned for the earlier calls plus the fixed suffixes tokenized alone, and with a
 * server that returns no ids, as text.
 */
import { describe, expect, it } from "vitest";
import { tokenIds } from "../../../test/vllm-stand-in/generate.js";
import { FixedTokens } from "./token-prompts.js";
import { standInForFile } from "../../../test/vllm-stand-in/fixture.js";
import { runPipeline } from "../../pipeline.js";
import { CUTOFF_NOTICE, DRAFT_INTRO, REFLECTION_ASK, REFLECTION_CUE, THINK_CLOSE } from "../../prompt.js";
import { CompletionRequest } from "../../protocol.js";
import type { ScriptedReply } from "../../../test/vllm-stand-in/generate.js";

// Each thinking text ends with a space: tokenized again before `\n</think>` the space and the
// newline merge into one token, where the model generated two.
const THINK = "Nine is three squared, so not prime. ";
const REFLECT = "It holds. ";

// Tokenize calls may take a minute here (below), so that a request waiting for one could not end
// by the call's own timeout instead of by its abort.
const fixture = standInForFile({
  standIn: { promptTokensDetails: true },
  engine: { probeTimeoutMs: 60_000 },
});

async function pipeline(
  think: ScriptedReply,
  options: { stream?: boolean; budget?: number; question?: string } = {},
) {
  fixture().standIn.clearRecords();
  fixture().standIn.replyWith = (body) => {
    if (body.structured_outputs) return undefined;
    // The reflection ends at the `</think>` stop string: its token is returned, not its text.
    return body.prompt.endsWith(REFLECTION_CUE) ? { text: `${REFLECT}${THINK_CLOSE}\n\nDone.` } : think;
  };
  const result = await runPipeline(
    CompletionRequest.parse({
      prompt: options.question ?? "Is 9 prime?",
      thinking_effort: "low",
      structured_outputs: { json: { type: "object", properties: { prime: { type: "boolean" } } } },
      ...(options.stream ? { stream: true } : {}),
    }),
    {
      engine: fixture().engine,
      budgets: { low: options.budget ?? 64, medium: 64, high: 64 },
      answerCap: 32,
      jobId: "t",
      ...(options.stream ? { onEvent: () => undefined } : {}),
    },
  );
  const bodies = fixture()
    .standIn.requests.filter((r) => r.path === "/v1/completions")
    .map((r) => r.body as { prompt: string | number[]; max_tokens: number })
    .filter((b) => b.max_tokens > 1); // not the compile check
  return {
    result,
    prompts: bodies.map((b) => b.prompt),
    texts: fixture().standIn.completionBodies().slice(-4),
  };
}

const cat = (...parts: number[][]) => parts.flat();

describe("token prompts against the vLLM stand-in", () => {
  for (const stream of [false, true]) {
    it(`steps 2–4 send the earlier ids, the generated ids and the suffixes' ids${stream ? " (streamed)" : ""}`, async () => {
      // A question of its own, so the stand-in's prefix cache holds only this pipeline's calls.
      const question = `Is 9 prime? (${stream ? "streamed" : "plain"})`;
      const { result, prompts, texts } = await pipeline({ text: THINK }, { stream, question });
      const [think, draft, reflect, final] = prompts;
      expect(typeof think).toBe("string");
      const thinkIds = tokenIds(think as string);
      // The think pass ended by EOS: its id is returned but is not part of the text.
      const closeSuffix = `\n${THINK_CLOSE}\n\n`;
      expect(draft).toEqual(cat(thinkIds, tokenIds(THINK), tokenIds(closeSuffix)));
      // Re-tokenizing the same text splits the junction differently: what ids avoid.
      expect(tokenIds(texts[1]!.prompt)).not.toEqual(draft);
      const answer = result.draft!;
      expect(reflect).toEqual(
        cat(thinkIds, tokenIds(THINK), tokenIds(DRAFT_INTRO), tokenIds(answer), tokenIds(REFLECTION_ASK)),
      );
      // The reflection ended at the `</think>` stop string: its token is dropped from the ids.
      expect(final).toEqual(cat(reflect as number[], tokenIds(REFLECT), tokenIds(closeSuffix)));
      // The stand-in decodes each to the prompt the pipeline built.
      expect(texts.map((t) => t.prompt)).toEqual([
        think,
        `${think}${THINK}${closeSuffix}`,
        `${think}${THINK}${DRAFT_INTRO}${answer}${REFLECTION_ASK}`,
        `${think}${THINK}${DRAFT_INTRO}${answer}${REFLECTION_ASK}${REFLECT}${closeSuffix}`,
      ]);
      // The final step's prompt lies on the reflection's whole sequence: every whole block is cached.
      const reflectSequence = (reflect as number[]).length + tokenIds(REFLECT).length;
      expect(result.steps[3]!.cached_tokens).toBe(Math.floor(reflectSequence / 16) * 16);
    });
  }

  it("a thinking pass cut at its budget is sent whole, then the cutoff notice and the close", async () => {
    const long = `${"Let me count the divisors one by one. ".repeat(20)}`;
    const { prompts } = await pipeline({ text: long }, { budget: 12 });
    const [think, draft] = prompts as [string, number[]];
    const generated = tokenIds(long).slice(0, 12);
    expect(draft).toEqual(
      cat(tokenIds(think), generated, tokenIds(CUTOFF_NOTICE), tokenIds(`${THINK_CLOSE}\n\n`)),
    );
  });

  it("a request aborted while its fixed text is being tokenized stops waiting for it", {
    timeout: 20_000,
  }, async () => {
    // The tokenize call answers only after a minute: the request must not wait for it.
    fixture().standIn.faults = { tokenizeDelayMs: 60_000 };
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const prompt = "<|im_start|>user\nHi<|im_end|>\n";
      const call = fixture().engine.completion({
        prompt: `${prompt} and a suffix of its own`,
        pieces: [{ text: prompt, tokens: tokenIds(prompt) }, { text: " and a suffix of its own" }],
        maxTokens: 4,
        sampling: { temperature: 0, topP: 1, topK: 0, minP: 0 },
        signal: controller.signal,
      });
      await expect(call).rejects.toMatchObject({ code: "cancelled" });
    } finally {
      fixture().standIn.faults = {};
    }
  });

  it("a server that returns no ids gets text prompts, as before", async () => {
    fixture().standIn.faults = { noTokenIds: true };
    try {
      const { prompts, texts } = await pipeline({ text: THINK });
      expect(prompts.every((p) => typeof p === "string")).toBe(true);
      expect(prompts).toEqual(texts.map((t) => t.prompt));
    } finally {
      fixture().standIn.faults = {};
    }
  });
});

describe("FixedTokens: generated ids are used only where they make the text exactly", () => {
  const ids: Record<string, number[]> = { "</think>": [9], "\n\n": [5] };
  const make = () => {
    const asked: string[] = [];
    const fixed = new FixedTokens(async (text) => {
      asked.push(text);
      const known = ids[text];
      if (!known) throw new Error("tokenize failed");
      return known;
    });
    return { fixed, asked };
  };
  const returned = (generated: number[], finish: string, stopReason: string | number | null) => ({
    prompt: [1, 2],
    generated,
    finish,
    stopReason,
  });

  it("keeps a length cut whole and drops a stop token or a stop string's own last ids", async () => {
    const { fixed, asked } = make();
    expect(await fixed.exact(returned([3, 4], "length", null))).toEqual({
      prompt: [1, 2],
      generated: [3, 4],
    });
    expect(await fixed.exact(returned([3, 4, 7], "stop", null))).toEqual({
      prompt: [1, 2],
      generated: [3, 4],
    });
    expect(await fixed.exact(returned([3, 4, 8], "stop", 8))).toEqual({ prompt: [1, 2], generated: [3, 4] });
    expect(await fixed.exact(returned([3, 9], "stop", "</think>"))).toEqual({
      prompt: [1, 2],
      generated: [3],
    });
    await fixed.exact(returned([3, 9], "stop", "</think>"));
    expect(asked).toEqual(["</think>"]); // tokenized once
  });

  it("falls back when the ids may not match the text", async () => {
    const { fixed } = make();
    // Tokens past the stop string (several per step, as with speculative decoding).
    expect(await fixed.exact(returned([3, 9, 4], "stop", "</think>"))).toBeUndefined();
    // A stop string vLLM's tokenizer could not give us.
    expect(await fixed.exact(returned([3, 9], "stop", "STOP"))).toBeUndefined();
    expect(await fixed.exact(returned([3], "abort", null))).toBeUndefined();
    expect(await fixed.exact(undefined)).toBeUndefined();
  });

  it("sends ids only when every piece resolves and the pieces make the prompt", async () => {
    const { fixed, asked } = make();
    const call = (
      pieces: { text: string; tokens?: number[] }[],
      prompt = pieces.map((p) => p.text).join(""),
    ) => ({
      prompt,
      pieces,
      maxTokens: 1,
      sampling: { temperature: 0, topP: 1, topK: 1, minP: 0 },
    });
    expect(await fixed.promptIds(call([{ text: "ab", tokens: [1] }, { text: "\n\n" }]))).toEqual([1, 5]);
    expect(await fixed.promptIds(call([{ text: "ab", tokens: [1] }, { text: "?" }]))).toBeUndefined();
    expect(await fixed.promptIds(call([{ text: "ab", tokens: [1] }], "abc"))).toBeUndefined();
    // A failed tokenize is not cached: the next call asks again.
    await fixed.promptIds(call([{ text: "ab", tokens: [1] }, { text: "?" }]));
    expect(asked.filter((t) => t === "?")).toHaveLength(2);
  });
});
