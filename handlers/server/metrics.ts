/**
 * Prometheus metrics on a per-app Registry (two servers in one process never share counters).
 * Everything is recorded once per request or per step, never per token.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ServiceStats, SettledRecord } from "../../core/completion-service.js";
import type { StepFigures } from "../../core/protocol.js";

export interface ServerMetrics {
  registry: Registry;
  recordSettled(record: SettledRecord, transport: string): void;
  recordStep(figures: StepFigures): void;
  recordEmbeddings(outcome: string): void;
}

export function createMetrics(
  stats: () => ServiceStats,
  options: { defaults?: boolean } = {},
): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.defaults ?? true) collectDefaultMetrics({ register: registry, prefix: "deliberate_" });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter({ name, help, labelNames, registers });
  /** A gauge read from the service's stats when scraped. */
  const statGauge = (name: string, help: string, read: (s: ServiceStats) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(stats()));
      },
    });

  const requests = counter(
    "deliberate_requests_total",
    "Completion requests by outcome (ok or the error code) and transport",
    ["outcome", "transport"],
  );
  const embeddings = counter("deliberate_embeddings_requests_total", "Embeddings requests by outcome", [
    "outcome",
  ]);
  statGauge("deliberate_queue_depth", "Requests waiting in the queue", (s) => s.queued);
  statGauge("deliberate_running_pipelines", "Pipelines running now", (s) => s.running);
  const stepSeconds = new Histogram({
    name: "deliberate_step_duration_seconds",
    help: "Duration of each pipeline step",
    labelNames: ["step"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  });
  const requestSeconds = new Histogram({
    name: "deliberate_request_duration_seconds",
    help: "Duration of completion requests, queue wait included",
    labelNames: ["outcome"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const tokens = counter("deliberate_tokens_total", "Tokens by kind: prompt, completion, thinking, cached", [
    "kind",
  ]);
  const validationFailures = counter(
    "deliberate_validation_failures_total",
    "Final answers rejected: constraint violated or truncated",
    ["code"],
  );
  const cacheHits = counter(
    "deliberate_cache_hits_total",
    "Completion requests answered from the result cache",
  );

  return {
    registry,
    recordSettled(record, transport) {
      requests.inc({ outcome: record.outcome, transport });
      requestSeconds.observe({ outcome: record.outcome }, record.ms / 1000);
      if (record.cached) cacheHits.inc();
      if (record.outcome === "constraint_violation" || record.outcome === "answer_truncated") {
        validationFailures.inc({ code: record.outcome });
      }
      const usage = record.result && !record.cached ? record.result.usage : undefined;
      if (usage) {
        tokens.inc({ kind: "prompt" }, usage.prompt_tokens);
        tokens.inc({ kind: "completion" }, usage.completion_tokens);
        tokens.inc({ kind: "thinking" }, usage.thinking_tokens);
        tokens.inc({ kind: "cached" }, usage.cached_tokens);
      }
    },
    recordStep(figures) {
      stepSeconds.observe({ step: figures.step }, figures.ms / 1000);
    },
    recordEmbeddings(outcome) {
      embeddings.inc({ outcome });
    },
  };
}
