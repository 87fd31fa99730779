/**
 * Starts the HTTP + WebSocket server around a CompletionService and owns its shutdown: stop
 * accepting, drain the service until the deadline, close sockets with 1001, close the listener.
 */
import { createAdaptorServer } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { WebSocketServer } from "ws";
import { CompletionService, type SettledRecord } from "../../core/completion-service.js";
import { serviceLimits } from "../shared/service-limits.js";
import type { Config } from "../shared/config.js";
import type { Engine } from "../../core/engine.js";
import type { Logger } from "../shared/logger.js";
import type { RequestLog } from "../shared/request-log.js";
import { createApp } from "./app.js";
import { RecentJobs } from "./dashboard/jobs.js";
import { TimeSeries } from "./dashboard/series.js";
import { EngineMonitor } from "./ops/engine-monitor.js";
import { buildInfo } from "./ops/build-info.js";
import { createMetrics } from "./metrics.js";

export type ServerConfig = Pick<
  Config,
  | "host"
  | "port"
  | "budgets"
  | "answerMaxTokens"
  | "maxConcurrency"
  | "maxQueue"
  | "maxWsInflight"
  | "maxBodyBytes"
  | "requestTimeoutMs"
  | "drainMs"
  | "cache"
> &
  Partial<Pick<Config, "metricsKey" | "vllm">>;

export interface StartServerOptions {
  config: ServerConfig;
  engine: Engine;
  log: Logger;
  apiKey: string;
  sealKey: Buffer;
  requestLog?: RequestLog;
  /** Process default metrics (off in tests that start many servers). */
  defaultMetrics?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  service: CompletionService;
  app: ReturnType<typeof createApp>;
  /** Graceful: drain up to config.drainMs, then abort the rest and close everything. */
  shutdown(): Promise<void>;
}

export function logLine(record: SettledRecord) {
  return {
    id: record.jobId,
    transport: record.transport,
    effort: record.request?.thinking_effort,
    steps: record.result?.steps.length ?? 0,
    tokens: record.result?.usage.total_tokens ?? 0,
    ms: record.ms,
    outcome: record.outcome,
    cached: record.cached,
    ...(record.error?.step ? { step: record.error.step } : {}),
  };
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config, engine, log, requestLog } = options;
  // Content of recent jobs is kept (sealed) only where request logs are on anyway.
  const jobs = new RecentJobs(100, requestLog ? options.sealKey : undefined);
  const series = new TimeSeries();
  const monitor = new EngineMonitor(engine);
  let draining = false;
  // The service and the metrics refer to each other through these late-bound callbacks.
  let metrics: ReturnType<typeof createMetrics> | undefined;
  const service = new CompletionService({
    engine,
    ...serviceLimits(config),
    sealKey: options.sealKey,
    onStepCompleted: (figures) => metrics?.recordStep(figures),
    onSettled: (record) => {
      const transport = record.transport ?? "other";
      metrics?.recordSettled(record, transport);
      jobs.push(record, transport);
      series.record(record);
      requestLog?.write(record, transport);
      const level = record.error && record.error.code === "internal" ? "error" : "info";
      log[level](logLine(record), "completion");
    },
  });
  metrics = createMetrics(() => service.stats(), {
    defaults: options.defaultMetrics ?? true,
    engineReady: () => monitor.ready,
    build: buildInfo(),
  });
  // Keeps deliberate_engine_ready and the probes' answer current between probes.
  void monitor.check();
  const watch = setInterval(() => void monitor.check(), 15_000);
  watch.unref();

  const app = createApp({
    service,
    apiKey: options.apiKey,
    maxBodyBytes: config.maxBodyBytes,
    maxWsInflight: config.maxWsInflight,
    metrics,
    monitor,
    metricsKey: config.metricsKey,
    dashboard: {
      engine,
      monitor,
      stats: () => service.stats(),
      jobs,
      series,
      content: requestLog !== undefined,
      ...(config.vllm
        ? {
            vllm: {
              url: config.vllm.url,
              headers: config.vllm.apiKey ? { authorization: `Bearer ${config.vllm.apiKey}` } : {},
            },
          }
        : {}),
    },
    log,
    draining: () => draining,
  });

  // Frames above maxBodyBytes get an error frame; only far bigger ones make ws drop the socket.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: Math.max(config.maxBodyBytes * 4, 64 * 1024),
    perMessageDeflate: false,
  });
  const server = createAdaptorServer({ fetch: app.fetch, websocket: { server: wss } }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  let shuttingDown: Promise<void> | undefined;
  const shutdown = () => {
    shuttingDown ??= (async () => {
      draining = true;
      clearInterval(watch);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      log.info({ drain_ms: config.drainMs, in_flight: service.stats().inFlight }, "draining");
      await service.drain(config.drainMs);
      // Terminal frames were queued before the close frame, so clients receive them first.
      for (const socket of wss.clients) socket.close(1001, "server shutting down");
      server.closeIdleConnections();
      const grace = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
        server.closeAllConnections();
      }, 2000);
      await closed;
      clearTimeout(grace);
      await requestLog?.close();
      await engine.close?.();
      log.info("stopped");
    })();
    return shuttingDown;
  };

  return { url, port: address.port, service, app, shutdown };
}
