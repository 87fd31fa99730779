/**
 * The four-step pipeline of ARCHITECTURE §1: think, constrained draft, reflect, constrained final.
 * `none` runs one constrained call after an empty think block.
 */
import { prepareConstraint, type PreparedConstraint } from "./constraints/index.js";
import { fitBudget, type EffortBudgets } from "./effort.js";
import type { CompletionOutput, Engine, Sampling } from "./engine.js";
import { DeliberateError, throwIfAborted, toDeliberateError, type PipelineStep } from "./errors.js";
import {
  closeThink,
  draftBlock,
  noThinkPrompt,
  requestMessages,
  thinkingBlock,
  thinkPrompt,
  THINK_CLOSE,
} from "./prompt.js";
import type { CompletionRequest, CompletionResult, StepFigures } from "./protocol.js";

/** Qwen3's recommended sampling for thinking mode; every call sends all of them explicitly. */
export const DEFAULT_SAMPLING: Sampling = { temperature: 0.6, topP: 0.95, topK: 20, minP: 0 };

export type PipelineEvent =
  | { type: "step"; step: PipelineStep; status: "started" }
  | ({ type: "step"; status: "completed" } & StepFigures)
  | { type: "delta"; step: PipelineStep; text: string };

export interface PipelineOptions {
  engine: Engine;
  budgets: EffortBudgets;
  answerCap: number;
  jobId: string;
  signal?: AbortSignal;
  onEvent?: (event: PipelineEvent) => void;
  /**
   * Return a free-text answer cut by its cap (finish `length`) instead of failing with
   * answer_truncated, as OpenAI does. A constrained answer cut short is always an error.
   */
  partialText?: boolean;
  /** Test hook: sees every prompt sent, in order. */
  onPrompt?: (step: PipelineStep, prompt: string) => void;
}

export function samplingOf(request: CompletionRequest): Sampling {
  return {
    temperature: request.temperature ?? DEFAULT_SAMPLING.temperature,
    topP: request.top_p ?? DEFAULT_SAMPLING.topP,
    topK: request.top_k ?? DEFAULT_SAMPLING.topK,
    minP: request.min_p ?? DEFAULT_SAMPLING.minP,
    ...(request.seed === undefined ? {} : { seed: request.seed }),
  };
}

interface StepRun {
  output: CompletionOutput;
  figures: StepFigures;
}

export async function runPipeline(
  request: CompletionRequest,
  options: PipelineOptions,
): Promise<CompletionResult> {
  const { engine, signal, onEvent } = options;
  const prepared: PreparedConstraint | undefined = prepareConstraint(request.structured_outputs);
  // The engine's own check (e.g. grammar compilation) runs before any engine call, so an
  // unsupported constraint never costs a think step.
  if (prepared && engine.prepareConstraint) {
    throwIfAborted(signal);
    try {
      await engine.prepareConstraint(prepared.constraint, signal);
    } catch (err) {
      throw toDeliberateError(err, signal);
    }
  }
  const sampling = samplingOf(request);
  const messages = requestMessages(request);
  const effort = request.thinking_effort;
  const info = engine.modelInfo();
  const steps: StepFigures[] = [];

  const first = effort === "none" ? noThinkPrompt(messages) : thinkPrompt(messages);
  throwIfAborted(signal);
  const promptTokens = await engine.countTokens(first, signal);
  const budget = fitBudget({
    effort,
    budgets: options.budgets,
    answerCap: options.answerCap,
    requestedAnswerTokens: request.max_answer_tokens,
    promptTokens,
    maxModelLen: info.maxModelLen,
  });

  const run = async (
    step: PipelineStep,
    prompt: string,
    maxTokens: number,
    constrained: boolean,
  ): Promise<StepRun> => {
    throwIfAborted(signal);
    options.onPrompt?.(step, prompt);
    onEvent?.({ type: "step", step, status: "started" });
    const started = performance.now();
    let output: CompletionOutput;
    try {
      output = await engine.completion({
        prompt,
        maxTokens,
        sampling,
        ...(constrained ? (prepared ? { constraint: prepared.constraint } : {}) : { stop: [THINK_CLOSE] }),
        ...(signal ? { signal } : {}),
        ...(request.stream && onEvent
          ? { onDelta: (text: string) => onEvent({ type: "delta", step, text }) }
          : {}),
      });
    } catch (err) {
      const error = toDeliberateError(err, signal);
      error.step ??= step;
      throw error;
    }
    throwIfAborted(signal);
    // The engine gave up on the request by itself (vLLM's `abort`): nothing usable came back.
    if (output.finishReason === "abort") {
      throw new DeliberateError("engine_error", `the engine aborted the ${step} step`, { step });
    }
    const figures: StepFigures = {
      step,
      prompt_tokens: output.promptTokens,
      completion_tokens: output.completionTokens,
      cached_tokens: output.cachedTokens,
      finish_reason: output.finishReason,
      ms: Math.round((performance.now() - started) * 100) / 100,
    };
    steps.push(figures);
    onEvent?.({ type: "step", status: "completed", ...figures });
    return { output, figures };
  };

  let draft: string | null = null;
  let thinking: { think: string; reflect: string | null } | undefined;
  let finalRun: StepRun;
  if (effort === "none") {
    finalRun = await run("final", first, budget.answer, true);
  } else {
    const think = await run("think", first, budget.thinking, false);
    const thought = first + thinkingBlock(think.output.text, think.output.finishReason === "length");
    const draftRun = await run("draft", closeThink(thought), budget.answer, true);
    draft = draftRun.output.text;
    const reflectPrompt = thought + draftBlock(draft);
    const reflect = await run("reflect", reflectPrompt, budget.thinking, false);
    const reflected =
      reflectPrompt + thinkingBlock(reflect.output.text, reflect.output.finishReason === "length");
    finalRun = await run("final", closeThink(reflected), budget.answer, true);
    thinking = { think: think.output.text, reflect: reflect.output.text };
  }

  const text = finalRun.output.text;
  if (finalRun.output.finishReason === "length" && !(options.partialText && !prepared)) {
    throw new DeliberateError(
      "answer_truncated",
      `the final answer reached its cap of ${budget.answer} tokens before it was complete; raise max_answer_tokens`,
      { step: "final", param: "max_answer_tokens" },
    );
  }
  const checked = prepared ? prepared.validate(text) : { output: text, checked: false };

  const sum = (pick: (s: StepFigures) => number) => steps.reduce((n, s) => n + pick(s), 0);
  const completion = sum((s) => s.completion_tokens);
  const prompt = sum((s) => s.prompt_tokens);
  const thinkingTokens = sum((s) => (s.step === "think" || s.step === "reflect" ? s.completion_tokens : 0));
  return {
    output: checked.output,
    text,
    valid: true,
    validation: { kind: prepared?.constraint.kind ?? "none", checked: checked.checked },
    draft,
    ...(request.include_thinking && thinking ? { thinking } : {}),
    ...(request.include_thinking && !thinking ? { thinking: { think: "", reflect: null } } : {}),
    effort,
    steps,
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      thinking_tokens: thinkingTokens,
      cached_tokens: sum((s) => s.cached_tokens ?? 0),
      total_tokens: prompt + completion,
    },
    model: info.model,
    job_id: options.jobId,
    cached: false,
  };
}
