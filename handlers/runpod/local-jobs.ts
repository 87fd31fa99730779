/**
 * The local test API's job store: RunPod's job life cycle (IN_QUEUE → IN_PROGRESS → COMPLETED /
 * FAILED / CANCELLED / TIMED_OUT) in memory, run through the same job handler as the worker, with
 * at most `concurrency` jobs at once. Stream chunks are handed out once each, as RunPod does.
 */
import { randomUUID } from "node:crypto";
import { DeliberateError } from "../../core/errors.js";
import { type JobServices, outcomeBody, runJob } from "./job-handler.js";

export const TERMINAL = ["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"] as const;
export type JobStatus = "IN_QUEUE" | "IN_PROGRESS" | (typeof TERMINAL)[number];

export interface LocalJob {
  id: string;
  input: unknown;
  status: JobStatus;
  createdAt: number;
  startedAt?: number;
  completedAt?: number;
  output?: unknown;
  error?: string;
  /** Chunks not yet handed out by /stream. */
  pending: { output: unknown }[];
  /** How long the result is kept once terminal (RunPod: 30 min for /run, 1 min for /runsync). */
  retentionMs: number;
  executionTimeoutMs: number | undefined;
  controller: AbortController;
  waiters: Set<() => void>;
}

export interface JobCounts {
  completed: number;
  failed: number;
  inProgress: number;
  inQueue: number;
  retried: number;
}

export const isTerminal = (status: JobStatus) => (TERMINAL as readonly string[]).includes(status);

export class LocalJobs {
  private readonly jobs = new Map<string, LocalJob>();
  private readonly queue: LocalJob[] = [];
  private running = 0;
  private readonly totals = { completed: 0, failed: 0 };

  constructor(
    private readonly services: JobServices,
    private readonly concurrency: number,
  ) {}

  get(id: string): LocalJob | undefined {
    this.sweep();
    return this.jobs.get(id);
  }

  counts(): JobCounts {
    return { ...this.totals, inProgress: this.running, inQueue: this.queue.length, retried: 0 };
  }

  get runningCount(): number {
    return this.running;
  }

  submit(input: unknown, options: { retentionMs: number; executionTimeoutMs?: number }): LocalJob {
    this.sweep();
    const job: LocalJob = {
      // RunPod's ids look like `<uuid>-<region>`; any unique string does for clients.
      id: `local-${randomUUID()}`,
      input,
      status: "IN_QUEUE",
      createdAt: Date.now(),
      pending: [],
      retentionMs: options.retentionMs,
      executionTimeoutMs: options.executionTimeoutMs,
      controller: new AbortController(),
      waiters: new Set(),
    };
    this.jobs.set(job.id, job);
    this.queue.push(job);
    this.pump();
    return job;
  }

  /** Cancels a queued or running job; a finished one is left as it is. */
  cancel(job: LocalJob): void {
    if (isTerminal(job.status)) return;
    const index = this.queue.indexOf(job);
    if (index >= 0) this.queue.splice(index, 1);
    job.controller.abort(new DeliberateError("cancelled", "the job was cancelled"));
    this.finish(job, "CANCELLED", {});
  }

  /** Removes every queued job (they end CANCELLED) and returns how many. */
  purgeQueue(): number {
    const queued = this.queue.splice(0);
    for (const job of queued) this.finish(job, "CANCELLED", {});
    return queued.length;
  }

  /** Resolves when the job changes (new chunk, new status) or after `ms`, or when `signal` fires. */
  waitForChange(job: LocalJob, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        job.waiters.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      job.waiters.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** Stops every job (used when the API shuts down). */
  abortAll(): void {
    for (const job of this.jobs.values()) this.cancel(job);
  }

  private notify(job: LocalJob): void {
    for (const waiter of [...job.waiters]) waiter();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      void this.execute(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async execute(job: LocalJob): Promise<void> {
    job.status = "IN_PROGRESS";
    job.startedAt = Date.now();
    this.notify(job);
    let timer: NodeJS.Timeout | undefined;
    if (job.executionTimeoutMs) {
      timer = setTimeout(() => {
        job.controller.abort(new DeliberateError("timeout", "the job exceeded its execution timeout"));
        this.finish(job, "TIMED_OUT", {});
      }, job.executionTimeoutMs);
    }
    const outcome = await runJob(
      job.input,
      {
        jobId: job.id,
        signal: job.controller.signal,
        onStream: (item) => {
          if (isTerminal(job.status)) return;
          job.pending.push({ output: item });
          this.notify(job);
        },
      },
      this.services,
    );
    clearTimeout(timer);
    if (isTerminal(job.status)) return; // cancelled or timed out meanwhile: that status stands
    if (outcome.status === "completed") this.finish(job, "COMPLETED", { output: outcome.output });
    else this.finish(job, "FAILED", outcomeBody(outcome));
  }

  private finish(job: LocalJob, status: JobStatus, body: { output?: unknown; error?: string }): void {
    if (isTerminal(job.status)) return;
    job.status = status;
    job.completedAt = Date.now();
    if ("output" in body) job.output = body.output;
    if (body.error !== undefined) job.error = body.error;
    if (status === "COMPLETED") this.totals.completed++;
    if (status === "FAILED" || status === "TIMED_OUT") this.totals.failed++;
    this.notify(job);
  }

  /** Drops finished jobs past their retention, as RunPod forgets results. */
  private sweep(): void {
    const now = Date.now();
    for (const [id, job] of this.jobs) {
      if (job.completedAt !== undefined && now - job.completedAt > job.retentionMs) this.jobs.delete(id);
    }
  }
}

/** RunPod's status body: id, status, timings, and output or error once finished. */
export function statusBody(job: LocalJob): Record<string, unknown> {
  const body: Record<string, unknown> = { id: job.id, status: job.status };
  if (job.startedAt !== undefined) body.delayTime = job.startedAt - job.createdAt;
  if (job.completedAt !== undefined && job.startedAt !== undefined) {
    body.executionTime = job.completedAt - job.startedAt;
  }
  if (job.status === "COMPLETED") body.output = job.output;
  if (job.error !== undefined) body.error = job.error;
  return body;
}
