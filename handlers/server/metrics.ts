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
  /** A WebSocket closed because its client stopped reading (backpressure.ts). */
  recordWsOverflow(): void;
  /** A connection answered 503 at once because the connection cap was reached. */
  recordRejectedConnection(): void;
  /** A request-log record that could not be written. */
  recordRequestLogFailure(): void;
}

export function createMetrics(
  stats: () => ServiceStats,
  options: { defaults?: boolean } = {},
): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.defaults ?? true) collectDefaultMetrics({ register: registry, prefix: "deliberate_" });

  const requests = new Counter({
    name: "deliberate_requests_total",
    help: "Completion requests by outcome (ok or the error code) and transport",
    labelNames: ["outcome", "transport"] as const,
    registers,
  });
  const embeddings = new Counter({
    name: "deliberate_embeddings_requests_total",
    help: "Embeddings requests by outcome",
    labelNames: ["outcome"] as const,
    registers,
  });
  new Gauge({
    name: "deliberate_queue_depth",
    help: "Requests waiting in the queue",
    registers,
    collect() {
      this.set(stats().queued);
    },
  });
  new Gauge({
    name: "deliberate_running_pipelines",
    help: "Pipelines running now",
    registers,
    collect() {
      this.set(stats().running);
    },
  });
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
  const tokens = new Counter({
    name: "deliberate_tokens_total",
    help: "Tokens by kind: prompt, completion, thinking, cached",
    labelNames: ["kind"] as const,
    registers,
  });
  const validationFailures = new Counter({
    name: "deliberate_validation_failures_total",
    help: "Final answers rejected: constraint violated or truncated",
    labelNames: ["code"] as const,
    registers,
  });
  const cacheHits = new Counter({
    name: "deliberate_cache_hits_total",
    help: "Completion requests answered from the result cache",
    registers,
  });

  const wsOverflows = new Counter({
    name: "deliberate_ws_overflow_closes_total",
    help: "WebSockets closed because the client left too many bytes unread",
    registers,
  });
  const rejectedConnections = new Counter({
    name: "deliberate_rejected_connections_total",
    help: "Connections refused with 503 because ORCH_MAX_CONNECTIONS was reached",
    registers,
  });
  const requestLogFailures = new Counter({
    name: "deliberate_request_log_write_failures_total",
    help: "Request-log records that could not be written (disk full, permissions, ...)",
    registers,
  });

  return {
    registry,
    recordWsOverflow: () => wsOverflows.inc(),
    recordRejectedConnection: () => rejectedConnections.inc(),
    recordRequestLogFailure: () => requestLogFailures.inc(),
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
