/**
 * Prometheus metrics on a per-app Registry (two servers in one process never share counters).
 * Everything is recorded once per request or per step, never per token. Process metrics keep
 * prom-client's standard names (process_*, nodejs_*), so stock Node.js dashboards work.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ServiceStats, SettledRecord } from "../../core/completion-service.js";
import type { StepFigures } from "../../core/protocol.js";

export interface ServerMetrics {
  registry: Registry;
  recordSettled(record: SettledRecord, transport: string): void;
  recordStep(figures: StepFigures): void;
  recordEmbeddings(outcome: string): void;
  recordUnauthorized(path: string): void;
  /** A WebSocket closed because its client stopped reading (backpressure.ts). */
  recordWsOverflow(): void;
  /** A connection answered 503 at once because the connection cap was reached. */
  recordRejectedConnection(): void;
  /** A request-log record that could not be written. */
  recordRequestLogFailure(): void;
}

export interface MetricsOptions {
  defaults?: boolean;
  /** Last known engine readiness, for deliberate_engine_ready. */
  engineReady?: () => boolean;
  build?: { version: string; revision: string };
}

/** Route labels are a closed set: a client's path never becomes a new time series. */
const ROUTES = [
  "/completions",
  "/embeddings",
  "/v1",
  "/ws/completions",
  "/dashboard",
  "/openapi.json",
  "/metrics",
  "/ready",
];
const routeLabel = (path: string) => ROUTES.find((r) => path === r || path.startsWith(`${r}/`)) ?? "other";

const SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export function createMetrics(stats: () => ServiceStats, options: MetricsOptions = {}): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.defaults ?? true) collectDefaultMetrics({ register: registry });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter({ name, help, labelNames, registers });
  /** A gauge computed when scraped. */
  const readGauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Histogram({ name, help, labelNames, buckets: SECONDS, registers });

  const requests = counter(
    "deliberate_requests_total",
    "Completion requests by outcome (ok or the error code), transport and effort",
    ["outcome", "transport", "effort"],
  );
  const embeddings = counter("deliberate_embeddings_requests_total", "Embeddings requests by outcome", [
    "outcome",
  ]);
  const unauthorized = counter(
    "deliberate_unauthorized_total",
    "Requests refused with 401 (missing or wrong API key), by route",
    ["route"],
  );
  readGauge("deliberate_queue_depth", "Requests waiting in the queue", () => stats().queued);
  readGauge("deliberate_running_pipelines", "Pipelines running now", () => stats().running);
  readGauge("deliberate_engine_ready", "1 when the engine passed its last readiness check, else 0", () =>
    options.engineReady?.() ? 1 : 0,
  );
  const build = new Gauge({
    name: "deliberate_build_info",
    help: "Always 1; the labels name the running build",
    labelNames: ["version", "revision"] as const,
    registers,
  });
  build.set(options.build ?? { version: "unknown", revision: "unknown" }, 1);
  const stepSeconds = histogram("deliberate_step_duration_seconds", "Duration of each pipeline step", [
    "step",
  ]);
  const requestSeconds = histogram(
    "deliberate_request_duration_seconds",
    "Duration of completion requests, queue wait included",
    ["outcome", "effort"],
  );
  const queueSeconds = histogram(
    "deliberate_queue_wait_seconds",
    "Time a request waited in the queue before its pipeline started",
  );
  const firstTokenSeconds = histogram(
    "deliberate_time_to_first_token_seconds",
    "Time from a streaming request's arrival to its first streamed token",
    ["effort"],
  );
  const tokens = counter(
    "deliberate_tokens_total",
    "Tokens by kind (prompt, completion, thinking, cached) and effort",
    ["kind", "effort"],
  );
  const validationFailures = counter(
    "deliberate_validation_failures_total",
    "Final answers rejected: constraint violated or truncated",
    ["code"],
  );
  const cacheHits = counter(
    "deliberate_cache_hits_total",
    "Completion requests answered from the result cache",
  );

  const wsOverflows = counter(
    "deliberate_ws_overflow_closes_total",
    "WebSockets closed because the client left too many bytes unread",
  );
  const rejectedConnections = counter(
    "deliberate_rejected_connections_total",
    "Connections refused at once because ORCH_MAX_CONNECTIONS was reached",
  );
  const requestLogFailures = counter(
    "deliberate_request_log_write_failures_total",
    "Request-log records that could not be written (disk full, permissions, ...)",
  );

  return {
    registry,
    recordWsOverflow: () => wsOverflows.inc(),
    recordRejectedConnection: () => rejectedConnections.inc(),
    recordRequestLogFailure: () => requestLogFailures.inc(),
    recordSettled(record, transport) {
      const effort = record.request?.thinking_effort ?? "unknown";
      requests.inc({ outcome: record.outcome, transport, effort });
      requestSeconds.observe({ outcome: record.outcome, effort }, record.ms / 1000);
      if (record.queueMs !== undefined) queueSeconds.observe(record.queueMs / 1000);
      if (record.firstTokenMs !== undefined)
        firstTokenSeconds.observe({ effort }, record.firstTokenMs / 1000);
      if (record.cached) cacheHits.inc();
      if (record.outcome === "constraint_violation" || record.outcome === "answer_truncated") {
        validationFailures.inc({ code: record.outcome });
      }
      // Tokens the engine spent, failed requests included; a cache hit spent none.
      if (record.cached || record.steps.length === 0) return;
      // Summed first: one labelled increment per kind rather than per step and kind.
      let prompt = 0;
      let completion = 0;
      let thinking: number | undefined;
      let cached = 0;
      for (const step of record.steps) {
        prompt += step.prompt_tokens;
        completion += step.completion_tokens;
        if (step.step === "think" || step.step === "reflect")
          thinking = (thinking ?? 0) + step.completion_tokens;
        cached += step.cached_tokens ?? 0;
      }
      tokens.inc({ kind: "prompt", effort }, prompt);
      tokens.inc({ kind: "completion", effort }, completion);
      if (thinking !== undefined) tokens.inc({ kind: "thinking", effort }, thinking);
      if (cached) tokens.inc({ kind: "cached", effort }, cached);
    },
    recordStep(figures) {
      stepSeconds.observe({ step: figures.step }, figures.ms / 1000);
    },
    recordEmbeddings(outcome) {
      embeddings.inc({ outcome });
    },
    recordUnauthorized(path) {
      unauthorized.inc({ route: routeLabel(path) });
    },
  };
}
