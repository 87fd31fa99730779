/**
 * The four-step pipeline (README, top): think, constrained draft, reflect, constrained final.
 * `none` runs one constrained call after an empty think block.
 */
import { untilAborted } from "./until-aborted.js";
import { prepareConstraint, type PreparedConstraint } from "./constraints/index.js";
import { truncateOutput } from "./constraints/violation.js";
import { fitBudget, fitBudgetWithoutCounting, type EffortBudgets } from "./effort.js";
import type { CompletionOutput, Engine, Sampling } from "./engine.js";
import { DeliberateError, inStep, throwIfAborted, toDeliberateError } from "./errors.js";
import { noThinkPrompt, requestMessages, thinkPrompt, THINK_CLOSE } from "./prompt.js";
import { afterThinking, closed, type PiecedPrompt, withDraft } from "./prompt-pieces.js";
import type {
  CompletionRequest,
  CompletionResult,
  PipelineEvent,
  PipelineStep,
  StepFigures,
} from "./protocol.js";

export type { PipelineEvent } from "./protocol.js";

/** Qwen3's recommended sampling for thinking mode; every call sends all of them explicitly. */
export const DEFAULT_SAMPLING: Sampling = { temperature: 0.6, topP: 0.95, topK: 20, minP: 0 };

export interface PipelineOptions {
  engine: Engine;
  budgets: EffortBudgets;
  answerCap: number;
  jobId: string;
  signal?: AbortSignal;
  onEvent?: (event: PipelineEvent) => void;
  /** The request's constraint, when the caller already ran it through the front door. */
  prepared?: PreparedConstraint;
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

/**
 * Runs the pipeline. Any error it ends with is a DeliberateError naming the step that was running
 * (this is the one place that names it); errors before the first step name none.
 */
export async function runPipeline(
  request: CompletionRequest,
  options: PipelineOptions,
): Promise<CompletionResult> {
  const progress: { step?: PipelineStep } = {};
  try {
    return await runSteps(request, options, progress);
  } catch (err) {
    const error = toDeliberateError(err, options.signal);
    throw progress.step === undefined ? error : inStep(error, progress.step);
  }
}

async function runSteps(
  request: CompletionRequest,
  options: PipelineOptions,
  progress: { step?: PipelineStep },
): Promise<CompletionResult> {
  const { engine, signal, onEvent } = options;
  const prepared: PreparedConstraint | undefined =
    options.prepared ?? prepareConstraint(request.structured_outputs);
  // The engine's own check (e.g. grammar compilation) runs before any engine call, so an
  // unsupported constraint never costs a think step.
  if (prepared && engine.prepareConstraint) {
    throwIfAborted(signal);
    await untilAborted(engine.prepareConstraint(prepared.constraint, signal), signal);
  }
  const sampling = samplingOf(request);
  const messages = requestMessages(request);
  const effort = request.thinking_effort;
  const info = engine.modelInfo();
  const steps: StepFigures[] = [];

  const first = effort === "none" ? noThinkPrompt(messages) : thinkPrompt(messages);
  throwIfAborted(signal);
  const fit = {
    effort,
    budgets: options.budgets,
    answerCap: options.answerCap,
    requestedAnswerTokens: request.max_answer_tokens,
    maxModelLen: info.maxModelLen,
  };
  // Most prompts fit by their byte length alone; only the others cost a tokenize call.
  const budget =
    fitBudgetWithoutCounting(fit, first) ??
    fitBudget({ ...fit, promptTokens: await untilAborted(engine.countTokens(first, signal), signal) });

  // Steps before the final one report their token ids: the next prompt continues from them.
  const run = async (
    step: PipelineStep,
    prompt: PiecedPrompt,
    maxTokens: number,
    constrained: boolean,
  ): Promise<StepRun> => {
    throwIfAborted(signal);
    progress.step = step;
    options.onPrompt?.(step, prompt.text);
    onEvent?.({ type: "step", step, status: "started" });
    const started = performance.now();
    const call = engine.completion({
      prompt: prompt.text,
      ...(prompt.pieces ? { pieces: prompt.pieces } : {}),
      ...(step === "final" ? {} : { returnTokens: true }),
      maxTokens,
      sampling,
      ...(constrained ? (prepared ? { constraint: prepared.constraint } : {}) : { stop: [THINK_CLOSE] }),
      ...(signal ? { signal } : {}),
      ...(request.stream && onEvent
        ? { onDelta: (text: string) => onEvent({ type: "delta", step, text }) }
        : {}),
    });
    const output: CompletionOutput = await untilAborted(call, signal);
    throwIfAborted(signal);
    // The engine gave up on the request by itself (vLLM's `abort`): nothing usable came back.
    if (output.finishReason === "abort") {
      throw new DeliberateError("engine_error", `the engine aborted the ${step} step`);
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
  const start: PiecedPrompt = { text: first };
  if (effort === "none") {
    finalRun = await run("final", start, budget.answer, true);
  } else if (!request.reflection) {
    // The comparison setting of the eval: reasoning, then the constrained answer, no self-check.
    const think = await run("think", start, budget.thinking, false);
    finalRun = await run("final", closed(afterThinking(start, think.output)), budget.answer, true);
    thinking = { think: think.output.text, reflect: null };
  } else {
    const think = await run("think", start, budget.thinking, false);
    const thought = afterThinking(start, think.output);
    const draftRun = await run("draft", closed(thought), budget.answer, true);
    draft = draftRun.output.text;
    const reflectPrompt = withDraft(thought, draftRun.output);
    const reflect = await run("reflect", reflectPrompt, budget.thinking, false);
    finalRun = await run("final", closed(afterThinking(reflectPrompt, reflect.output)), budget.answer, true);
    thinking = { think: think.output.text, reflect: reflect.output.text };
  }

  const text = finalRun.output.text;
  if (finalRun.output.finishReason === "length" && !(options.partialText && !prepared)) {
    throw new DeliberateError(
      "answer_truncated",
      `the final answer reached its cap of ${budget.answer} tokens before it was complete; raise max_answer_tokens`,
      { param: "max_answer_tokens", output: truncateOutput(text) },
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
    ...(prepared && prepared.warnings.length > 0 ? { warnings: prepared.warnings } : {}),
  };
}
