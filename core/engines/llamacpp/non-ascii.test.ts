/**
 * Constraints that require non-ASCII text on the demo model (whose non-ASCII tokens are biased
 * away), and native sampling failures: each must settle the completion cleanly, release the
 * sequence, raise no unhandled rejection, and leave the engine serving the next request.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Constraint } from "../../engine.js";
import { DeliberateError } from "../../errors.js";
import { CHAT_PROMPT, sampling, useDemoEngine } from "./test-support.js";

const demo = useDemoEngine({ concurrency: 2 });

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
});

const complete = (constraint: Constraint, seed = 1) =>
  demo.engine.completion({ prompt: CHAT_PROMPT, maxTokens: 48, constraint, sampling: sampling(seed) });

/** The engine still answers, and every sequence is back in the pool. */
async function expectServing(): Promise<void> {
  const out = await complete({ kind: "choice", choices: ["yes", "no"] }, 7);
  expect(["yes", "no"]).toContain(out.text);
  // A rejection raised during the previous call would have surfaced by now (macrotask boundary).
  await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled).toEqual([]);
  expect(demo.engine.stats()).toMatchObject({ available: 2, waiting: 0 });
}

describe("llamacpp engine: constraints that require non-ASCII text (ASCII-only demo model)", () => {
  it("the demo engine biases non-ASCII tokens away from free text", async () => {
    for (const seed of [1, 2, 3]) {
      const out = await complete({ kind: "json", schema: { type: "string", maxLength: 20 } }, seed);
      expect(out.text).toMatch(/^[\x00-\x7F]*$/);
    }
  });

  const cases: Array<{ name: string; constraint: Constraint; check: (text: string) => void }> = [
    {
      name: "a choice entry",
      constraint: { kind: "choice", choices: ["é"] },
      check: (text) => expect(text).toBe("é"),
    },
    {
      name: "a regex literal",
      constraint: { kind: "regex", pattern: "é" },
      check: (text) => expect(text).toBe("é"),
    },
    {
      name: "a regex class of non-ASCII letters only",
      constraint: { kind: "regex", pattern: "[äöü]{2}" },
      check: (text) => expect(text).toMatch(/^[äöü]{2}$/),
    },
    {
      name: "a JSON schema enum",
      constraint: { kind: "json", schema: { enum: ["é", "ü"] } },
      check: (text) => expect(["é", "ü"]).toContain(JSON.parse(text)),
    },
    {
      name: "a JSON schema const",
      constraint: { kind: "json", schema: { const: "☃" } },
      check: (text) => expect(JSON.parse(text)).toBe("☃"),
    },
    {
      name: "a JSON schema property name",
      constraint: {
        kind: "json",
        schema: {
          type: "object",
          properties: { ключ: { type: "string", maxLength: 8 } },
          required: ["ключ"],
          additionalProperties: false,
        },
      },
      check: (text) => {
        const value = JSON.parse(text) as Record<string, string>;
        expect(Object.keys(value)).toEqual(["ключ"]);
        // The free string value next to the non-ASCII name stays ASCII.
        expect(value.ключ).toMatch(/^[\x00-\x7F]{0,8}$/);
      },
    },
    {
      name: "a GBNF literal",
      constraint: { kind: "grammar", grammar: 'root ::= "snow " "☃"' },
      check: (text) => expect(text).toBe("snow ☃"),
    },
  ];
  for (const c of cases) {
    it(`${c.name}: produces the required text, then serves the next request`, async () => {
      for (const seed of [1, 2]) c.check((await complete(c.constraint, seed)).text);
      await expectServing();
    });
  }
});

describe("llamacpp engine: a character of 3+ byte tokens at the very end", () => {
  it("is returned whole (not U+FFFD), and the streamed pieces add up to it", async () => {
    for (const choice of ["☃", "😀", "x😀"]) {
      const deltas: string[] = [];
      const out = await demo.engine.completion({
        prompt: CHAT_PROMPT,
        maxTokens: 16,
        constraint: { kind: "choice", choices: [choice] },
        sampling: sampling(1),
        onDelta: (t) => deltas.push(t),
      });
      expect(out.text).toBe(choice);
      expect(deltas.join("")).toBe(choice);
    }
    await expectServing();
  });
});

describe("llamacpp engine: a native sampling failure", () => {
  // llama.cpp never lets a token whose text starts with NUL satisfy a grammar, so a grammar that
  // requires NUL leaves no token to sample: its grammar sampler throws "Unexpected empty grammar
  // stack" inside node-llama-cpp's batch dispatcher, on any model and without any token bias.
  const requiresNul: Constraint[] = [
    { kind: "regex", pattern: "\\x00" },
    { kind: "grammar", grammar: 'root ::= "a" [\\x00]' },
  ];
  for (const constraint of requiresNul) {
    it(`${JSON.stringify(constraint)}: rejects with engine_error and releases the sequence`, async () => {
      const err = await complete(constraint).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DeliberateError);
      expect((err as DeliberateError).code).toBe("engine_error");
      expect((err as DeliberateError).message).toMatch(/empty grammar stack/);
      await expectServing();
    });
  }

  it("fails each of concurrent callers alone while the other sequence keeps working", async () => {
    const [bad, good] = await Promise.allSettled([
      complete({ kind: "regex", pattern: "\\x00" }, 3),
      complete({ kind: "choice", choices: ["alpha", "beta"] }, 3),
    ]);
    expect(bad.status).toBe("rejected");
    expect(((bad as PromiseRejectedResult).reason as DeliberateError).code).toBe("engine_error");
    expect(good).toMatchObject({ status: "fulfilled" });
    expect(["alpha", "beta"]).toContain((good as PromiseFulfilledResult<{ text: string }>).value.text);
    await expectServing();
  });
});
