/**
 * The completion service: the shared heart of the server and the RunPod worker. It parses a
 * request, answers deterministic repeats from the cache, queues the rest, runs the pipeline under
 * a per-request deadline, and drains on shutdown. Nothing here touches the per-token path except
 * one cheap branch: deltas go straight from the pipeline to the caller's onEvent.
 */
import { randomUUID } from "node:crypto";
import { cacheKey, isDeterministic, ResultCache } from "./cache.js";
import { type PreparedConstraint, prepareConstraint } from "./constraints/index.js";
import type { EffortBudgets } from "./effort.js";
import type { Engine } from "./engine.js";
import { DeliberateError, toDeliberateError } from "./errors.js";
import { parseOrInvalid } from "./invalid-request.js";
import { type PipelineEvent, runPipeline } from "./pipeline.js";
import { CompletionRequest, type CompletionResult, type StepFigures } from "./protocol.js";
import { JobQueue } from "./queue.js";

export interface CompletionServiceOptions {
  engine: Engine;
  budgets: EffortBudgets;
  answerCap: number;
  maxConcurrency: number;
  maxQueue: number;
  requestTimeoutMs: number;
  cache: { ttlMs: number; maxEntries: number };
  /** 32-byte AES-256-GCM key for queued payloads and cached results. */
  sealKey: Buffer;
  /** Observers (metrics, logs, dashboard): called off the per-token path. */
  onSettled?: (record: SettledRecord) => void;
  onStepCompleted?: (figures: StepFigures) => void;
  newJobId?: () => string;
}

export interface SubmitOptions {
  signal?: AbortSignal;
  onQueued?: (position: number, jobId: string) => void;
  onEvent?: (event: PipelineEvent) => void;
  /** Free label carried to the SettledRecord (e.g. "ws", "http", "runpod"). */
  transport?: string;
  /** Answer a free-text request cut by its cap with the partial text (see PipelineOptions). */
  partialText?: boolean;
  /** The id the caller already knows this job by (a RunPod job id); default a fresh `job_<uuid>`. */
  jobId?: string;
}

/** What happened to one request, for logs, metrics and the dashboard. */
export interface SettledRecord {
  jobId: string;
  /** The parsed request; undefined when it did not parse. */
  request: CompletionRequest | undefined;
  result?: CompletionResult;
  error?: DeliberateError;
  /** "ok" or the error code. */
  outcome: string;
  cached: boolean;
  ms: number;
  /** The steps that completed, failed requests included. */
  steps: StepFigures[];
  /** Time from submit until the pipeline started (queue wait); undefined when it never ran. */
  queueMs?: number;
  /** Time from submit until the first streamed delta; only for requests that streamed. */
  firstTokenMs?: number;
  transport: string | undefined;
}

export interface ServiceStats {
  queued: number;
  running: number;
  inFlight: number;
  cacheEntries: number;
  accepting: boolean;
}

export class CompletionService {
  private readonly queue: JobQueue;
  private readonly cache: ResultCache;
  /** Every accepted request until it settles, so that drain can wait for or abort it. */
  private readonly inFlight = new Map<AbortController, Promise<unknown>>();
  private accepting = true;

  constructor(private readonly options: CompletionServiceOptions) {
    this.queue = new JobQueue({
      maxConcurrency: options.maxConcurrency,
      maxQueue: options.maxQueue,
      key: options.sealKey,
    });
    this.cache = new ResultCache({ key: options.sealKey, ...options.cache });
  }

  get engine(): Engine {
    return this.options.engine;
  }

  stats(): ServiceStats {
    const q = this.queue.stats();
    return {
      queued: q.waiting,
      running: q.running,
      inFlight: this.inFlight.size,
      cacheEntries: this.cache.size,
      accepting: this.accepting,
    };
  }

  /** Pipelines at once: ORCH_MAX_CONCURRENCY, or what setConcurrency made of it. */
  get concurrency(): number {
    return this.queue.maxConcurrency;
  }

  /** Changes the pipelines-at-once limit (handlers/server/adapt-to-vllm.ts). */
  setConcurrency(limit: number): void {
    this.queue.setMaxConcurrency(limit);
  }

  /** Parses the request (`invalid_request` naming the field) and runs it. */
  submit(input: unknown, options: SubmitOptions = {}): Promise<CompletionResult> {
    return this.run(() => parseOrInvalid(CompletionRequest, input), options);
  }

  /** Runs a request the caller has already parsed (a RunPod job's input), without a second parse. */
  submitParsed(request: CompletionRequest, options: SubmitOptions = {}): Promise<CompletionResult> {
    return this.run(() => request, options);
  }

  private async run(parse: () => CompletionRequest, options: SubmitOptions): Promise<CompletionResult> {
    const started = performance.now();
    const jobId = options.jobId ?? this.options.newJobId?.() ?? `job_${randomUUID()}`;
    let request: CompletionRequest | undefined;
    let cached = false;
    const progress: Progress = { steps: [] };
    const sinceStart = (at: number | undefined) =>
      at === undefined ? undefined : Math.round((at - started) * 100) / 100;
    const settle = (result?: CompletionResult, error?: DeliberateError) =>
      this.options.onSettled?.({
        steps: progress.steps,
        ...(progress.runningAt === undefined ? {} : { queueMs: sinceStart(progress.runningAt)! }),
        ...(progress.firstDeltaAt === undefined ? {} : { firstTokenMs: sinceStart(progress.firstDeltaAt)! }),
        jobId,
        request,
        ...(result ? { result } : {}),
        ...(error ? { error } : {}),
        outcome: error ? error.code : "ok",
        cached,
        transport: options.transport,
        ms: Math.round((performance.now() - started) * 100) / 100,
      });

    try {
      if (!this.accepting) throw shuttingDown();
      const parsed = parse();
      request = parsed;
      // The constraint front door runs before anything is hashed: a constraint that cannot be
      // keyed faithfully (non-finite numbers, lone surrogates, too deep) never reaches the cache.
      const prepared = prepareConstraint(parsed.structured_outputs);
      const key =
        this.cache.enabled && isDeterministic(parsed)
          ? cacheKey(parsed, this.options.engine.modelInfo().model)
          : undefined;
      const hit = key === undefined ? undefined : this.cache.get(key);
      if (hit) {
        cached = true;
        options.onQueued?.(0, jobId);
        const result: CompletionResult = { ...hit, job_id: jobId, cached: true };
        settle(result);
        return result;
      }
      const result = await this.track(options.signal, (signal) =>
        this.queue.run(parsed, (opened) => this.execute(opened, jobId, signal, options, prepared, progress), {
          signal,
          onQueued: (position) => options.onQueued?.(position, jobId),
        }),
      );
      // A partial answer is never cached: the same request without partialText must fail.
      if (key !== undefined && result.steps.at(-1)?.finish_reason !== "length") this.cache.set(key, result);
      settle(result);
      return result;
    } catch (err) {
      const error = toDeliberateError(err, options.signal);
      settle(undefined, error);
      throw error;
    }
  }

  /**
   * Stops accepting (new requests get `shutting_down`), lets accepted ones finish until the
   * deadline, then aborts whatever is left with `shutting_down`.
   */
  async drain(deadlineMs: number): Promise<void> {
    this.accepting = false;
    this.queue.close(shuttingDown());
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<"expired">((resolve) => {
      timer = setTimeout(() => resolve("expired"), deadlineMs);
    });
    const all = Promise.allSettled([...this.inFlight.values()]);
    const first = await Promise.race([all, expired]);
    clearTimeout(timer);
    if (first !== "expired") return;
    for (const controller of this.inFlight.keys()) {
      controller.abort(
        new DeliberateError(
          "shutting_down",
          "the server is shutting down and the drain deadline passed before this request finished",
        ),
      );
    }
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /**
   * Runs `work` under a signal that fires on the caller's abort, the deadline, or drain. The queue
   * and the pipeline settle as soon as it fires, even if an engine ignores it.
   */
  private async track<T>(
    outer: AbortSignal | undefined,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    const deadline = setTimeout(
      () =>
        controller.abort(
          new DeliberateError(
            "timeout",
            `the request did not finish within ${this.options.requestTimeoutMs / 1000} s`,
          ),
        ),
      this.options.requestTimeoutMs,
    );
    // One controller for the caller's abort, the deadline and drain. Linked by hand: AbortSignal.any
    // keeps weak references that cost GC time on every request.
    const signal = controller.signal;
    const forward = () => controller.abort(outer?.reason);
    if (outer?.aborted) forward();
    else outer?.addEventListener("abort", forward, { once: true });
    const promise = work(signal);
    this.inFlight.set(controller, promise);
    try {
      return await promise;
    } finally {
      clearTimeout(deadline);
      outer?.removeEventListener("abort", forward);
      this.inFlight.delete(controller);
    }
  }

  private execute(
    request: CompletionRequest,
    jobId: string,
    signal: AbortSignal,
    options: SubmitOptions,
    prepared: PreparedConstraint | undefined,
    progress: Progress,
  ): Promise<CompletionResult> {
    const { onEvent } = options;
    const onStep = this.options.onStepCompleted;
    progress.runningAt = performance.now();
    return runPipeline(request, {
      engine: this.options.engine,
      budgets: this.options.budgets,
      answerCap: this.options.answerCap,
      jobId,
      signal,
      ...(prepared ? { prepared } : {}),
      ...(options.partialText ? { partialText: true } : {}),
      onEvent: (event: PipelineEvent) => {
        if (event.type === "step") {
          if (event.status === "completed") {
            const { type: _type, status: _status, ...figures } = event;
            progress.steps.push(figures);
            onStep?.(figures);
          }
        } else if (progress.firstDeltaAt === undefined) {
          progress.firstDeltaAt = performance.now();
        }
        onEvent?.(event);
      },
    });
  }
}

/** What a request did so far, for its SettledRecord: completed steps, when it started and first streamed. */
interface Progress {
  steps: StepFigures[];
  runningAt?: number;
  firstDeltaAt?: number;
}

function shuttingDown(): DeliberateError {
  return new DeliberateError("shutting_down", "the server is shutting down and accepts no new requests");
}
