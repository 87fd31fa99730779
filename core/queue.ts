/**
 * A bounded job queue: up to `maxConcurrency` tasks run at once, up to `maxQueue` wait, and a full
 * queue answers `queue_full` at once rather than hanging. Payloads waiting in line are held sealed
 * and opened only when their turn comes.
 */
import { DeliberateError, toDeliberateError } from "./errors.js";
import { openJson, sealJson } from "./seal.js";

export interface JobQueueOptions {
  maxConcurrency: number;
  maxQueue: number;
  /** AES-256-GCM key for payloads held while waiting. */
  key: Buffer;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** 0: starts at once; n ≥ 1: n-th in the waiting line. Called once, before the task starts. */
  onQueued?: (position: number) => void;
}

interface Waiting {
  box: Buffer;
  start: (payload: unknown) => void;
  fail: (error: unknown) => void;
}

export class JobQueue {
  private running = 0;
  private readonly waiting: Waiting[] = [];
  private closed: DeliberateError | undefined;
  private limit: number;

  constructor(private readonly options: JobQueueOptions) {
    this.limit = options.maxConcurrency;
  }

  get maxConcurrency(): number {
    return this.limit;
  }

  /** A new limit for tasks at once: a higher one starts waiting tasks now; a lower one lets running ones finish. */
  setMaxConcurrency(limit: number): void {
    this.limit = Math.max(1, Math.floor(limit));
    this.next();
  }

  stats(): { waiting: number; running: number } {
    return { waiting: this.waiting.length, running: this.running };
  }

  /** Refuses new work from now on with `reason`; work already accepted carries on. */
  close(reason: DeliberateError): void {
    this.closed = reason;
  }

  run<P, T>(payload: P, task: (payload: P) => Promise<T>, options: RunOptions = {}): Promise<T> {
    const { signal } = options;
    if (this.closed) return Promise.reject(this.closed);
    if (signal?.aborted) return Promise.reject(toDeliberateError(signal.reason, signal));
    if (this.running < this.limit) {
      options.onQueued?.(0);
      return this.execute(payload, task);
    }
    if (this.waiting.length >= this.options.maxQueue) {
      return Promise.reject(
        new DeliberateError(
          "queue_full",
          `the queue is full (${this.limit} running, ${this.options.maxQueue} waiting); retry later`,
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const at = this.waiting.indexOf(entry);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(toDeliberateError(signal?.reason, signal));
      };
      const entry: Waiting = {
        box: sealJson(this.options.key, payload),
        start: (opened) => {
          signal?.removeEventListener("abort", onAbort);
          this.execute(opened as P, task).then(resolve, reject);
        },
        fail: reject,
      };
      this.waiting.push(entry);
      signal?.addEventListener("abort", onAbort, { once: true });
      options.onQueued?.(this.waiting.length);
    });
  }

  private async execute<P, T>(payload: P, task: (payload: P) => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await task(payload);
    } finally {
      this.running--;
      this.next();
    }
  }

  private next(): void {
    while (this.running < this.limit) {
      const entry = this.waiting.shift();
      if (!entry) return;
      let payload: unknown;
      try {
        payload = openJson(this.options.key, entry.box);
      } catch (err) {
        entry.fail(toDeliberateError(err));
        continue;
      }
      entry.start(payload);
    }
  }
}
