/**
 * Effort → token budgets, and fitting them into the model's context window.
 */
import { DeliberateError } from "./errors.js";
import type { ThinkingEffort } from "./protocol.js";

/** Thinking tokens per pass for each effort above `none`. */
export type EffortBudgets = Record<Exclude<ThinkingEffort, "none">, number>;

export const DEFAULT_BUDGETS: EffortBudgets = { low: 512, medium: 2048, high: 8192 };
export const DEFAULT_ANSWER_CAP = 1024;

/** Tokens reserved for the text the pipeline adds itself (cutoff notice, draft wrapper, reflection). */
export const PIPELINE_OVERHEAD_TOKENS = 96;
/** A thinking pass shorter than this is not worth running: the request does not fit. */
export const MIN_THINKING_TOKENS = 16;

/** Parses `low=512,medium=2048,high=8192` (any subset; the rest keep their defaults). */
export function parseBudgets(text: string, base: EffortBudgets = DEFAULT_BUDGETS): EffortBudgets {
  const out: EffortBudgets = { ...base };
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^(low|medium|high)\s*=\s*(\d+)$/i.exec(part);
    if (!match) throw new Error(`expected effort=tokens pairs such as low=512, got "${part}"`);
    const tokens = Number(match[2]);
    if (tokens < 1) throw new Error(`${match[1]} must be at least 1 token`);
    out[match[1]!.toLowerCase() as keyof EffortBudgets] = tokens;
  }
  return out;
}

export interface FitInput {
  effort: ThinkingEffort;
  budgets: EffortBudgets;
  /** The server's answer cap and the request's wish (clamped to the cap). */
  answerCap: number;
  requestedAnswerTokens?: number;
  promptTokens: number;
  maxModelLen: number;
}

export interface FittedBudget {
  /** Thinking tokens per pass (0 for `none`). */
  thinking: number;
  answer: number;
}

/**
 * The last prompt of the pipeline holds the request, two thinking passes and the draft, then
 * the final answer is generated: all of that must fit into the context window. Thinking shrinks
 * first; the answer cap never shrinks below what was asked, because a truncated answer is useless.
 */
export function fitBudget(input: FitInput): FittedBudget {
  const answer = Math.min(input.requestedAnswerTokens ?? input.answerCap, input.answerCap);
  const passes = input.effort === "none" ? 0 : 2;
  const answers = input.effort === "none" ? 1 : 2;
  const fixed = input.promptTokens + PIPELINE_OVERHEAD_TOKENS + answers * answer;
  const overflow = (needed: number) =>
    new DeliberateError(
      "context_overflow",
      `the request needs at least ${needed} tokens (prompt ${input.promptTokens}, answer ${answer}` +
        `${passes ? `, thinking ${passes}×${MIN_THINKING_TOKENS}` : ""}) but the model's context is ` +
        `${input.maxModelLen} tokens; shorten the messages or lower max_answer_tokens`,
      { param: "messages" },
    );
  if (passes === 0) {
    if (fixed > input.maxModelLen) throw overflow(fixed);
    return { thinking: 0, answer };
  }
  const room = Math.floor((input.maxModelLen - fixed) / passes);
  if (room < MIN_THINKING_TOKENS) throw overflow(fixed + passes * MIN_THINKING_TOKENS);
  const budget = input.budgets[input.effort as keyof EffortBudgets];
  return { thinking: Math.min(budget, room), answer };
}

/**
 * The prompt's token count can only change the fit when it shrinks the thinking budget or
 * overflows. Every token of a byte-level BPE (Qwen3's, the demo model's) covers at least one byte
 * of text, so a prompt holds at most its UTF-8 length in tokens, plus a few a tokenizer may add
 * (BOS, a leading-space marker). When even that bound leaves the budget whole, this is the fit the
 * exact count would give, and the engine's tokenize call is not needed (undefined: count).
 */
export function fitBudgetWithoutCounting(
  input: Omit<FitInput, "promptTokens">,
  prompt: string,
): FittedBudget | undefined {
  let fitted: FittedBudget;
  try {
    fitted = fitBudget({ ...input, promptTokens: Buffer.byteLength(prompt) + TOKENIZER_SLACK });
  } catch {
    return undefined; // an overflow at the bound: the exact count decides
  }
  return input.effort === "none" || fitted.thinking === input.budgets[input.effort] ? fitted : undefined;
}

/** Tokens a tokenizer may add to a text beyond one per byte (see fitBudgetWithoutCounting). */
const TOKENIZER_SLACK = 16;
