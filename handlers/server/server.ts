/**
 * Starts the HTTP + WebSocket server around a CompletionService and owns its shutdown: stop
 * accepting, drain the service until the deadline, close sockets with 1001, close the listener.
 */
import { createAdaptorServer } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { WebSocketServer } from "ws";
import { CompletionService, type SettledRecord } from "../../core/completion-service.js";
import { JobQueue } from "../../core/queue.js";
import { DeliberateError } from "../../core/errors.js";
import { serviceLimits } from "../shared/service-limits.js";
import type { Config } from "../shared/config.js";
import type { Engine } from "../../core/engine.js";
import type { Logger } from "../shared/logger.js";
import type { RequestLog } from "../shared/request-log.js";
import { createApp } from "./app.js";
import { RecentRequests } from "./dashboard.js";
import { createMetrics } from "./metrics.js";
import { capConnections, defaultMaxConnections, httpServerOptions } from "./connection-limits.js";

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
  Partial<
    Pick<
      Config,
      "wsMaxBufferedBytes" | "maxConnections" | "headersTimeoutMs" | "bodyTimeoutMs" | "embeddings"
    >
  >;

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
  const recent = new RecentRequests();
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
      recent.push(record, transport);
      requestLog?.write(record, transport);
      const level = record.error && record.error.code === "internal" ? "error" : "info";
      log[level](logLine(record), "completion");
    },
  });
  metrics = createMetrics(() => service.stats(), { defaults: options.defaultMetrics ?? true });
  const liveMetrics = metrics;
  requestLog?.onFailure?.((err) => {
    liveMetrics.recordRequestLogFailure();
    log.error({ err }, "request log write failed");
  });
  // Embeddings have no pipeline queue of their own: bound them here.
  const embeddingsQueue = new JobQueue({
    maxConcurrency: config.embeddings?.maxConcurrency ?? 4,
    maxQueue: config.embeddings?.maxQueue ?? 64,
    key: options.sealKey,
  });

  const app = createApp({
    service,
    apiKey: options.apiKey,
    maxBodyBytes: config.maxBodyBytes,
    maxWsInflight: config.maxWsInflight,
    ...(config.wsMaxBufferedBytes ? { maxWsBufferedBytes: config.wsMaxBufferedBytes } : {}),
    embeddingsQueue,
    metrics,
    recent,
    log,
    draining: () => draining,
  });

  // Frames above maxBodyBytes get an error frame; only far bigger ones make ws drop the socket.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: Math.max(config.maxBodyBytes * 4, 64 * 1024),
    perMessageDeflate: false,
  });
  const server = createAdaptorServer({
    fetch: app.fetch,
    websocket: { server: wss },
    serverOptions: httpServerOptions({
      headersTimeoutMs: config.headersTimeoutMs ?? 10_000,
      bodyTimeoutMs: config.bodyTimeoutMs ?? 30_000,
    }),
  }) as Server;
  capConnections(server, config.maxConnections ?? defaultMaxConnections(), () =>
    liveMetrics.recordRejectedConnection(),
  );
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
      embeddingsQueue.close(
        new DeliberateError("shutting_down", "the server is shutting down and accepts no new requests"),
      );
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
