/**
 * The dashboard's time series: the last 15 minutes in 30-second buckets, filled from settled
 * requests (never per token). Samples per bucket are capped, so memory is bounded at any load.
 */
import type { SettledRecord } from "../../../core/completion-service.js";
import { percentile } from "../../../core/percentile.js";
import { STEPS } from "../../../core/protocol.js";

export const BUCKET_S = 30;
export const WINDOW_S = 15 * 60;
const MAX_SAMPLES = 512;

interface Bucket {
  start: number;
  outcomes: Record<string, number>;
  e2e: number[];
  queue: number[];
  steps: Record<string, number[]>;
  thinking: Record<string, number[]>;
  completionTokens: number;
  validationFailures: number;
  cacheHits: number;
  requests: number;
}

const push = (list: number[], value: number) => {
  if (list.length < MAX_SAMPLES) list.push(value);
  else list[Math.floor(Math.random() * MAX_SAMPLES)] = value; // keep a uniform sample
};

/** Column-wise series, one entry per bucket, oldest first (uPlot's data layout). */
export interface SeriesSnapshot {
  bucket_s: number;
  t: number[];
  requests_per_min: Record<string, number[]>;
  latency_ms: { p50: (number | null)[]; p95: (number | null)[] };
  step_ms: Record<string, { p50: (number | null)[]; p95: (number | null)[] }>;
  queue_ms: { p50: (number | null)[]; p95: (number | null)[] };
  tokens_per_s: number[];
  thinking_tokens: Record<string, (number | null)[]>;
  validation_failures: number[];
  cache_hit_rate: (number | null)[];
}

export class TimeSeries {
  private readonly buckets: Bucket[] = [];

  constructor(private readonly now: () => number = () => Date.now() / 1000) {}

  record(record: SettledRecord): void {
    const bucket = this.current();
    bucket.requests++;
    bucket.outcomes[record.outcome] = (bucket.outcomes[record.outcome] ?? 0) + 1;
    push(bucket.e2e, record.ms);
    if (record.queueMs !== undefined) push(bucket.queue, record.queueMs);
    if (record.cached) bucket.cacheHits++;
    if (record.outcome === "constraint_violation" || record.outcome === "answer_truncated") {
      bucket.validationFailures++;
    }
    if (record.cached) return;
    let thinking = 0;
    for (const step of record.steps) {
      bucket.steps[step.step] ??= [];
      push(bucket.steps[step.step]!, step.ms);
      bucket.completionTokens += step.completion_tokens;
      if (step.step === "think" || step.step === "reflect") thinking += step.completion_tokens;
    }
    const effort = record.request?.thinking_effort;
    if (effort && effort !== "none") {
      bucket.thinking[effort] ??= [];
      push(bucket.thinking[effort]!, thinking);
    }
  }

  snapshot(): SeriesSnapshot {
    this.current();
    const b = this.buckets;
    const outcomes = new Set(b.flatMap((x) => Object.keys(x.outcomes)));
    const efforts = new Set(b.flatMap((x) => Object.keys(x.thinking)));
    const pair = (pick: (x: Bucket) => number[]) => ({
      p50: b.map((x) => percentile(pick(x), 50)),
      p95: b.map((x) => percentile(pick(x), 95)),
    });
    return {
      bucket_s: BUCKET_S,
      t: b.map((x) => x.start),
      requests_per_min: Object.fromEntries(
        [...outcomes].map((o) => [o, b.map((x) => ((x.outcomes[o] ?? 0) * 60) / BUCKET_S)]),
      ),
      latency_ms: pair((x) => x.e2e),
      step_ms: Object.fromEntries(STEPS.map((s) => [s, pair((x) => x.steps[s] ?? [])])),
      queue_ms: pair((x) => x.queue),
      tokens_per_s: b.map((x) => x.completionTokens / BUCKET_S),
      thinking_tokens: Object.fromEntries(
        [...efforts].map((e) => [
          e,
          b.map((x) => {
            const v = x.thinking[e];
            return v && v.length > 0 ? v.reduce((s, n) => s + n, 0) / v.length : null;
          }),
        ]),
      ),
      validation_failures: b.map((x) => x.validationFailures),
      cache_hit_rate: b.map((x) => (x.requests === 0 ? null : x.cacheHits / x.requests)),
    };
  }

  /** The bucket for now, with empty buckets for quiet periods and none older than the window. */
  private current(): Bucket {
    const start = Math.floor(this.now() / BUCKET_S) * BUCKET_S;
    const oldest = start - WINDOW_S + BUCKET_S;
    while (this.buckets.length > 0 && this.buckets[0]!.start < oldest) this.buckets.shift();
    let last = this.buckets[this.buckets.length - 1];
    let next = last ? last.start + BUCKET_S : oldest;
    while (!last || last.start < start) {
      last = {
        start: Math.max(next, oldest),
        outcomes: {},
        e2e: [],
        queue: [],
        steps: {},
        thinking: {},
        completionTokens: 0,
        validationFailures: 0,
        cacheHits: 0,
        requests: 0,
      };
      this.buckets.push(last);
      next = last.start + BUCKET_S;
    }
    return last;
  }
}
