import { describe, expect, it } from "vitest";
import { DeliberateError } from "../../errors.js";
import { CHAT_PROMPT, sampling, startDemoEngine, useDemoEngine } from "./test-support.js";

const demo = useDemoEngine({ concurrency: 2 });

const rejection = async (promise: Promise<unknown>) => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliberateError);
  return err as DeliberateError;
};

/** A grammar that cannot end for a long time, so generation runs until stopped. */
const ENDLESS = { kind: "grammar", grammar: "root ::= [a-z ]{1500,}" } as const;

describe("llamacpp engine: model info and tokens", () => {
  it("labels the demo model loudly as random text", () => {
    const info = demo.engine.modelInfo();
    expect(info.demo).toBe(true);
    expect(info.model).toMatch(/demo/);
    expect(info.model).toMatch(/random/);
    expect(info.maxModelLen).toBeGreaterThanOrEqual(8192);
    expect(demo.logs.some(([level, m]) => level === "warn" && /DEMO MODEL/.test(m))).toBe(true);
  });

  it("counts special tokens as single tokens", async () => {
    expect(await demo.engine.countTokens("<|im_start|>")).toBe(1);
    expect(await demo.engine.countTokens("<think></think>")).toBe(2);
    // im_start, u, s, er, newline, h, i, im_end: specials are one token each, not 12 bytes.
    expect(await demo.engine.countTokens("<|im_start|>user\nhi<|im_end|>")).toBe(8);
  });

  it("reports ready once the grammar canary passed", async () => {
    expect(await demo.engine.health()).toMatchObject({ ready: true });
  });

  it("shares one canary among concurrent callers: one caller aborting does not fail the others", async () => {
    const fresh = await startDemoEngine();
    try {
      const impatient = new AbortController();
      const first = fresh.engine.health(impatient.signal);
      const second = fresh.engine.health();
      const third = fresh.engine.health(new AbortController().signal);
      impatient.abort();
      expect(await first).toMatchObject({ ready: false });
      expect(await second).toMatchObject({ ready: true });
      expect(await third).toMatchObject({ ready: true });
      expect(fresh.engine.stats().available).toBe(1);
    } finally {
      await fresh.dispose();
    }
  });
});

describe("llamacpp engine: completion", () => {
  it("stops at max tokens with finish reason length", async () => {
    const out = await demo.engine.completion({
      prompt: CHAT_PROMPT,
      maxTokens: 12,
      constraint: ENDLESS,
      sampling: sampling(1),
    });
    expect(out.finishReason).toBe("length");
    expect(out.completionTokens).toBe(12);
    expect(out.promptTokens).toBe(await demo.engine.countTokens(CHAT_PROMPT));
  });

  it("stops at a stop string and leaves it out of the text", async () => {
    const out = await demo.engine.completion({
      prompt: CHAT_PROMPT,
      maxTokens: 600,
      stop: ["e", "a"],
      constraint: { kind: "grammar", grammar: "root ::= [a-z ]{1,1000}" },
      sampling: sampling(2),
    });
    expect(out.finishReason).toBe("stop");
    expect(out.text).not.toMatch(/[ea]/);
  });

  it("gives the same text for the same seed and varies across seeds", async () => {
    const run = (seed: number) =>
      demo.engine.completion({
        prompt: CHAT_PROMPT,
        maxTokens: 24,
        constraint: ENDLESS,
        sampling: sampling(seed),
      });
    const [a, b] = [await run(5), await run(5)];
    expect(a.text).toBe(b.text);
    const texts = new Set<string>();
    for (const seed of [1, 2, 3, 4]) texts.add((await run(seed)).text);
    expect(texts.size).toBeGreaterThan(1);
  });

  it("streams deltas that add up to the text", async () => {
    const deltas: string[] = [];
    const out = await demo.engine.completion({
      prompt: CHAT_PROMPT,
      maxTokens: 40,
      sampling: sampling(3),
      onDelta: (t) => deltas.push(t),
    });
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.join("")).toBe(out.text);
  });

  it("reports the shared prefix of a follow-up prompt as cached tokens", async () => {
    const first = await demo.engine.completion({
      prompt: CHAT_PROMPT,
      maxTokens: 8,
      constraint: ENDLESS,
      sampling: sampling(4),
    });
    const second = await demo.engine.completion({
      prompt: `${CHAT_PROMPT}${first.text} and more`,
      maxTokens: 4,
      constraint: ENDLESS,
      sampling: sampling(4),
    });
    expect(second.cachedTokens).toBeGreaterThanOrEqual(first.promptTokens);
  });

  it("rejects a prompt that cannot fit the context with context_overflow", async () => {
    const err = await rejection(
      demo.engine.completion({ prompt: CHAT_PROMPT, maxTokens: 100_000, sampling: sampling(1) }),
    );
    expect(err.code).toBe("context_overflow");
  });
});

describe("llamacpp engine: abort", () => {
  it("stops a running generation within a token and rejects with cancelled", async () => {
    const controller = new AbortController();
    let afterAbort = 0;
    let seen = 0;
    const err = await rejection(
      demo.engine.completion({
        prompt: CHAT_PROMPT,
        maxTokens: 4000,
        constraint: ENDLESS,
        sampling: sampling(6),
        signal: controller.signal,
        onDelta: () => {
          if (controller.signal.aborted) afterAbort++;
          else if (++seen === 5) controller.abort();
        },
      }),
    );
    expect(err.code).toBe("cancelled");
    expect(afterAbort).toBeLessThanOrEqual(1);
    expect(demo.engine.stats().available).toBe(2);
  });

  it("aborts a completion that is waiting for a free sequence", async () => {
    const running = new AbortController();
    const started: Promise<void>[] = [];
    const long = [0, 1].map((i) => {
      let resolveStarted!: () => void;
      started.push(new Promise<void>((r) => (resolveStarted = r)));
      return demo.engine
        .completion({
          prompt: CHAT_PROMPT,
          maxTokens: 4000,
          constraint: ENDLESS,
          sampling: sampling(10 + i),
          signal: running.signal,
          onDelta: () => resolveStarted(),
        })
        .catch((e: unknown) => e);
    });
    await Promise.all(started);
    expect(demo.engine.stats().available).toBe(0);
    const waiting = new AbortController();
    const queued = demo.engine.completion({
      prompt: CHAT_PROMPT,
      maxTokens: 4,
      sampling: sampling(1),
      signal: waiting.signal,
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(demo.engine.stats().waiting).toBe(1);
    waiting.abort();
    expect((await rejection(queued)).code).toBe("cancelled");
    expect(demo.engine.stats().waiting).toBe(0);
    running.abort();
    for (const result of await Promise.all(long)) expect((result as DeliberateError).code).toBe("cancelled");
    expect(demo.engine.stats().available).toBe(2);
  });
});

describe("llamacpp engine: concurrency", () => {
  it("runs more completions than sequences, queueing the rest, all to completion", async () => {
    const choices = ["alpha", "beta", "gamma"];
    const runs = [1, 2, 3, 4, 5].map((seed) =>
      demo.engine.completion({
        prompt: CHAT_PROMPT,
        maxTokens: 16,
        constraint: { kind: "choice", choices },
        sampling: sampling(seed),
      }),
    );
    await new Promise((r) => setTimeout(r, 0));
    expect(demo.engine.stats().waiting).toBeGreaterThan(0);
    for (const out of await Promise.all(runs)) expect(choices).toContain(out.text);
  });
});

describe("llamacpp engine: constraints", () => {
  it("escapes choices: a single-entry choice of each tricky string gives exactly that string", async () => {
    // One entry per call, so the one possible answer is asserted exactly (emoji: non-ASCII bytes
    // the demo model only emits where the grammar requires them).
    for (const choice of ['say "hi"', "back\\slash", "two\nlines", "a]b", "[x]", "a|b", "😀 ok", ""]) {
      const out = await demo.engine.completion({
        prompt: CHAT_PROMPT,
        maxTokens: 16,
        constraint: { kind: "choice", choices: [choice] },
        sampling: sampling(1, 1.2),
      });
      expect(out.text).toBe(choice);
      expect(out.finishReason).toBe("stop");
    }
  });

  it("keeps escaped choices apart: every answer of a multi-entry choice is exactly one of them", async () => {
    // Which entry the random model prefers is not asserted (it mostly picks the same one); the
    // single-entry test above covers each escape exactly.
    const choices = ['say "hi"', "back\\slash", "two\nlines", "a]|b"];
    for (const seed of [1, 2, 3, 4]) {
      const out = await demo.engine.completion({
        prompt: CHAT_PROMPT,
        maxTokens: 16,
        constraint: { kind: "choice", choices },
        sampling: sampling(seed, 1.2),
      });
      expect(choices).toContain(out.text);
    }
  });

  it("compiles each constraint once (LRU cache)", async () => {
    const before = demo.engine.stats().grammarsCached;
    const constraint = { kind: "regex", pattern: "[xyz]{3}" } as const;
    for (const seed of [1, 2]) {
      const out = await demo.engine.completion({
        prompt: CHAT_PROMPT,
        maxTokens: 8,
        constraint,
        sampling: sampling(seed),
      });
      expect(out.text).toMatch(/^[xyz]{3}$/);
    }
    expect(demo.engine.stats().grammarsCached).toBe(before + 1);
  });

  it("rejects an EBNF/Lark grammar with schema_unsupported that explains GBNF", async () => {
    const err = await rejection(
      demo.engine.completion({
        prompt: CHAT_PROMPT,
        maxTokens: 8,
        constraint: { kind: "grammar", grammar: 'start: "a" | "b"\n%import common.WS' },
        sampling: sampling(1),
      }),
    );
    expect(err.code).toBe("schema_unsupported");
    expect(err.message).toMatch(/GBNF/);
    expect(err.message).toMatch(/Lark/);
  });

  it("rejects JSON schema keywords the grammar cannot enforce, naming them", async () => {
    const err = await rejection(
      demo.engine.completion({
        prompt: CHAT_PROMPT,
        maxTokens: 8,
        constraint: { kind: "json", schema: { type: "string", pattern: "a(?=b)" } },
        sampling: sampling(1),
      }),
    );
    expect(err.code).toBe("schema_unsupported");
    expect(err.message).toMatch(/lookaround .*pattern/);
  });
});

describe("llamacpp engine: embeddings", () => {
  it("returns n_embd-sized vectors, identical for identical texts", async () => {
    const out = await demo.engine.embeddings({ input: ["the cat", "the cat", "a different text"] });
    expect(out.vectors).toHaveLength(3);
    expect(out.vectors[0]).toHaveLength(demo.engine.model.embeddingVectorSize);
    expect(out.vectors[0]).toHaveLength(64);
    const cosine = (a: number[], b: number[]) =>
      a.reduce((s, v, i) => s + v * b[i]!, 0) / (Math.hypot(...a) * Math.hypot(...b));
    expect(cosine(out.vectors[0]!, out.vectors[1]!)).toBeCloseTo(1, 6);
    expect(cosine(out.vectors[0]!, out.vectors[2]!)).toBeLessThan(0.9999);
    expect(out.promptTokens).toBeGreaterThan(0);
    expect(out.model).toBe(demo.engine.modelInfo().model);
  });

  it("shortens to `dimensions` with unit length, and refuses more than the model has", async () => {
    const out = await demo.engine.embeddings({ input: ["hello"], dimensions: 16 });
    expect(out.vectors[0]).toHaveLength(16);
    expect(Math.hypot(...out.vectors[0]!)).toBeCloseTo(1, 6);
    expect((await rejection(demo.engine.embeddings({ input: ["x"], dimensions: 65 }))).code).toBe(
      "invalid_request",
    );
  });
});
