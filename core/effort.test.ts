/** Effort → thinking budgets, and fitting them into the model's context window. */
import { describe, expect, it } from "vitest";
import {
  DEFAULT_ANSWER_CAP,
  DEFAULT_BUDGETS,
  fitBudget,
  fitBudgetWithoutCounting,
  type FitInput,
  MIN_THINKING_TOKENS,
  PIPELINE_OVERHEAD_TOKENS,
  parseBudgets,
} from "./effort.js";
import { DeliberateError } from "./errors.js";

describe("defaults", () => {
  it("are low 512, medium 2048, high 8192 thinking tokens and a 1024-token answer cap", () => {
    expect(DEFAULT_BUDGETS).toEqual({ low: 512, medium: 2048, high: 8192 });
    expect(DEFAULT_ANSWER_CAP).toBe(1024);
  });
});

describe("parseBudgets", () => {
  it("overrides any subset; the rest keep their defaults", () => {
    expect(parseBudgets("medium=3000")).toEqual({ low: 512, medium: 3000, high: 8192 });
    expect(parseBudgets("low=1,medium=2,high=3")).toEqual({ low: 1, medium: 2, high: 3 });
  });

  it("forgives case, spaces and stray commas", () => {
    expect(parseBudgets(" HIGH = 16384 , ,Low=256 ,")).toEqual({ low: 256, medium: 2048, high: 16384 });
  });

  it("starts from the given base, not always the defaults", () => {
    expect(parseBudgets("low=5", { low: 1, medium: 2, high: 3 })).toEqual({ low: 5, medium: 2, high: 3 });
  });

  it.each([["none=5"], ["low"], ["low=abc"], ["low=-1"], ["low=1.5"], ["ultra=100"]])(
    "refuses %j",
    (text) => {
      expect(() => parseBudgets(text)).toThrow(/effort=tokens/);
    },
  );

  it("refuses a zero budget", () => {
    expect(() => parseBudgets("medium=0")).toThrow(/at least 1 token/);
  });

  it("does not modify the defaults it starts from", () => {
    parseBudgets("low=7");
    expect(DEFAULT_BUDGETS.low).toBe(512);
  });
});

describe("fitBudget", () => {
  const base: FitInput = {
    effort: "medium",
    budgets: DEFAULT_BUDGETS,
    answerCap: 1024,
    promptTokens: 100,
    maxModelLen: 40_960,
  };

  function overflow(input: FitInput): DeliberateError {
    try {
      fitBudget(input);
    } catch (err) {
      expect(err).toBeInstanceOf(DeliberateError);
      return err as DeliberateError;
    }
    throw new Error("expected context_overflow");
  }

  it("gives each effort its configured budget when the context has room", () => {
    for (const effort of ["low", "medium", "high"] as const) {
      expect(fitBudget({ ...base, effort })).toEqual({ thinking: DEFAULT_BUDGETS[effort], answer: 1024 });
    }
    expect(fitBudget({ ...base, effort: "medium", budgets: parseBudgets("medium=99") }).thinking).toBe(99);
  });

  it("gives `none` no thinking at all", () => {
    expect(fitBudget({ ...base, effort: "none" })).toEqual({ thinking: 0, answer: 1024 });
  });

  it("clamps the requested answer tokens to the cap, and honours a smaller request", () => {
    expect(fitBudget({ ...base, requestedAnswerTokens: 5000 }).answer).toBe(1024);
    expect(fitBudget({ ...base, requestedAnswerTokens: 64 }).answer).toBe(64);
  });

  it("shrinks thinking so that prompt, two passes, two answers and the overhead fit exactly", () => {
    const maxModelLen = 4096;
    const { thinking, answer } = fitBudget({ ...base, effort: "high", maxModelLen });
    expect(answer).toBe(1024);
    expect(thinking).toBe(Math.floor((maxModelLen - 100 - PIPELINE_OVERHEAD_TOKENS - 2 * 1024) / 2));
    expect(100 + PIPELINE_OVERHEAD_TOKENS + 2 * thinking + 2 * answer).toBeLessThanOrEqual(maxModelLen);
    // one more thinking token per pass would not fit
    expect(100 + PIPELINE_OVERHEAD_TOKENS + 2 * (thinking + 1) + 2 * answer).toBeGreaterThan(maxModelLen);
  });

  it("never shrinks the answer to make room", () => {
    const tight = 100 + PIPELINE_OVERHEAD_TOKENS + 2 * 1024 + 2 * MIN_THINKING_TOKENS;
    expect(fitBudget({ ...base, maxModelLen: tight })).toEqual({
      thinking: MIN_THINKING_TOKENS,
      answer: 1024,
    });
    const err = overflow({ ...base, maxModelLen: tight - 1 });
    expect(err.code).toBe("context_overflow");
    expect(err.status).toBe(400);
    expect(err.message).toContain(`at least ${tight} tokens`);
    expect(err.message).toContain(`context is ${tight - 1} tokens`);
  });

  it("fits `none` with a single answer and no thinking floor", () => {
    const exact = 100 + PIPELINE_OVERHEAD_TOKENS + 1024;
    expect(fitBudget({ ...base, effort: "none", maxModelLen: exact }).answer).toBe(1024);
    const err = overflow({ ...base, effort: "none", maxModelLen: exact - 1 });
    expect(err.code).toBe("context_overflow");
    expect(err.message).not.toContain("thinking");
  });

  it("overflows when the prompt alone is longer than the context", () => {
    const err = overflow({ ...base, promptTokens: 50_000 });
    expect(err.code).toBe("context_overflow");
    expect(err.param).toBe("messages");
    expect(err.message).toContain("prompt 50000");
  });

  it("lets a smaller max_answer_tokens rescue a request that would not fit", () => {
    const maxModelLen = 1200;
    expect(overflow({ ...base, maxModelLen }).code).toBe("context_overflow");
    expect(fitBudget({ ...base, maxModelLen, requestedAnswerTokens: 256 })).toEqual({
      thinking: Math.floor((1200 - 100 - PIPELINE_OVERHEAD_TOKENS - 512) / 2),
      answer: 256,
    });
  });
});

describe("fitBudgetWithoutCounting", () => {
  const base = { effort: "high", budgets: DEFAULT_BUDGETS, answerCap: 1024, maxModelLen: 40_960 } as const;

  it("when it answers, any true count up to one token per byte fits the same", () => {
    let answered = 0;
    let declined = 0;
    for (const effort of ["none", "low", "medium", "high"] as const) {
      for (const maxModelLen of [1000, 2500, 4096, 19_000, 20_000, 40_960]) {
        for (const prompt of ["Q", "é".repeat(300), "x".repeat(3000)]) {
          const input = { ...base, effort, maxModelLen };
          const fitted = fitBudgetWithoutCounting(input, prompt);
          if (fitted === undefined) {
            declined++;
            continue;
          }
          answered++;
          for (const promptTokens of [0, 1, prompt.length, Buffer.byteLength(prompt)]) {
            expect(fitBudget({ ...input, promptTokens })).toEqual(fitted);
          }
        }
      }
    }
    expect(answered).toBeGreaterThan(0);
    expect(declined).toBeGreaterThan(0);
  });

  it("counts in UTF-8 bytes: a prompt of two-byte characters needs twice its length in room", () => {
    // 2 × 8192 thinking + 2 × 1024 answers + the overhead leave room for about 1,300 bytes of prompt.
    const maxModelLen = 2 * 8192 + 2 * 1024 + PIPELINE_OVERHEAD_TOKENS + 1300;
    expect(fitBudgetWithoutCounting({ ...base, maxModelLen }, "x".repeat(1000))).toBeDefined();
    expect(fitBudgetWithoutCounting({ ...base, maxModelLen }, "é".repeat(1000))).toBeUndefined();
  });

  it("declines whatever the exact count could shrink or refuse, even if it would fit", () => {
    const maxModelLen = 2 * 8192 + 2 * 1024 + PIPELINE_OVERHEAD_TOKENS + 100;
    const prompt = "x".repeat(200); // at most 200 tokens, perhaps 50
    expect(fitBudgetWithoutCounting({ ...base, maxModelLen }, prompt)).toBeUndefined();
    expect(fitBudget({ ...base, maxModelLen, promptTokens: 50 }).thinking).toBe(8192);
    expect(fitBudgetWithoutCounting({ ...base, maxModelLen: 500 }, prompt)).toBeUndefined();
  });
});
