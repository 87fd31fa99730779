/**
 * Starts the HTTP + WebSocket server around the runtime's CompletionService and owns its part of the
 * shutdown (handlers/shared/shutdown.ts): stop accepting, and after the drain close sockets with 1001
 * and the listener.
 */
import { createAdaptorServer } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { WebSocketServer } from "ws";
import type { CompletionService } from "../../core/completion-service.js";
import type { Runtime } from "../shared/runtime.js";
import { drainAndClose, type Transport } from "../shared/shutdown.js";
import { DeliberateError } from "../../core/errors.js";
import { JobQueue } from "../../core/queue.js";
import { createApp } from "./app.js";
import { RecentJobs } from "./dashboard/jobs.js";
import { TimeSeries } from "./dashboard/series.js";
import { buildInfo } from "./ops/build-info.js";
import { EngineMonitor } from "./ops/engine-monitor.js";
import { createMetrics } from "./metrics.js";
import { capConnections, defaultMaxConnections, httpServerOptions } from "./connection-limits.js";
import { attachWebSockets, openSession } from "./ws-upgrade.js";
import { boundedSender } from "./backpressure.js";
import { batchedSender } from "./batched-send.js";
import { cachedScrape } from "./dashboard/vllm-metrics.js";
import { adaptToVllm } from "./adapt-to-vllm.js";

export interface StartServerOptions {
  runtime: Runtime;
  apiKey: string;
  /** Process default metrics (off in tests that start many servers). */
  defaultMetrics?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  service: CompletionService;
  app: ReturnType<typeof createApp>;
  /** Its part of the shutdown, for the entry's signal handling. */
  transport: Transport;
  /** Graceful: drain up to config.drainMs, then abort the rest and close everything. */
  shutdown(): Promise<void>;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { runtime } = options;
  const { config, log, service, engine } = runtime;
  // Content of recent jobs is kept (sealed) only where request logs are on anyway.
  const jobs = new RecentJobs(100, runtime.requestLog ? runtime.sealKey : undefined);
  const series = new TimeSeries();
  const monitor = new EngineMonitor(engine);
  let draining = false;
  const metrics = createMetrics(() => service.stats(), {
    defaults: options.defaultMetrics ?? true,
    engineReady: () => monitor.ready,
    build: buildInfo(),
  });
  runtime.observe({
    onStepCompleted: (figures) => metrics.recordStep(figures),
    onSettled: (record) => {
      const transport = record.transport ?? "other";
      metrics.recordSettled(record, transport);
      jobs.push(record, transport);
      series.record(record);
    },
  });
  const scrapeVllm = config.vllm
    ? cachedScrape(
        config.vllm.url,
        config.vllm.apiKey ? { authorization: `Bearer ${config.vllm.apiKey}` } : {},
      )
    : undefined;
  const adapter =
    scrapeVllm && config.adaptiveConcurrency
      ? adaptToVllm({ scrape: scrapeVllm, service, base: config.maxConcurrency, log })
      : undefined;
  // Keeps deliberate_engine_ready and the probes' answer current between probes.
  void monitor.check();
  const watch = setInterval(() => void monitor.check(), 15_000);
  watch.unref();
  runtime.requestLog?.onFailure?.((err) => {
    metrics.recordRequestLogFailure();
    log.error({ err }, "request log write failed");
  });
  // Embeddings have no pipeline queue of their own: bound them here.
  const embeddingsQueue = new JobQueue({
    maxConcurrency: config.embeddings?.maxConcurrency ?? 4,
    maxQueue: config.embeddings?.maxQueue ?? 64,
    key: runtime.sealKey,
  });

  const app = createApp({
    service,
    apiKey: options.apiKey,
    maxBodyBytes: config.maxBodyBytes,
    maxWsInflight: config.maxWsInflight,
    ...(config.wsMaxBufferedBytes ? { maxWsBufferedBytes: config.wsMaxBufferedBytes } : {}),
    embeddingsQueue,
    ...(config.bodyTimeoutMs ? { bodyTimeoutMs: config.bodyTimeoutMs } : {}),
    metrics,
    monitor,
    metricsKey: config.metricsKey,
    dashboard: {
      engine,
      monitor,
      stats: () => service.stats(),
      jobs,
      series,
      content: runtime.requestLog !== undefined,
      ...(scrapeVllm ? { vllm: { scrape: scrapeVllm } } : {}),
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
  const server = createAdaptorServer({
    fetch: app.fetch,
    serverOptions: httpServerOptions({
      headersTimeoutMs: config.headersTimeoutMs ?? 10_000,
      bodyTimeoutMs: config.bodyTimeoutMs ?? 30_000,
    }),
  }) as Server;
  capConnections(server, config.maxConnections ?? defaultMaxConnections(), () =>
    metrics.recordRejectedConnection(),
  );
  attachWebSockets(server, app.fetch, wss, (ws) => {
    // A client that stops reading is closed rather than buffered for without bound.
    const session = openSession(ws, {
      service,
      maxInflight: config.maxWsInflight,
      maxFrameBytes: config.maxBodyBytes,
      send: boundedSender({
        socket: ws,
        send: batchedSender(ws),
        maxBufferedBytes: config.wsMaxBufferedBytes ?? 4 * 1024 * 1024,
        onOverflow: (buffered) => {
          log.warn({ buffered_bytes: buffered }, "websocket closed: the client is not reading");
          metrics.recordWsOverflow();
          session.close();
        },
      }),
    });
  });
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

  const closed = new Promise<void>((resolve) => server.once("close", () => resolve()));
  const transport: Transport = {
    stopAccepting: () => {
      draining = true;
      clearInterval(watch);
      adapter?.stop();
      embeddingsQueue.close(
        new DeliberateError("shutting_down", "the server is shutting down and accepts no new requests"),
      );
      server.close();
    },
    finish: async () => {
      // Terminal frames were queued before the close frame, so clients receive them first.
      for (const socket of wss.clients) socket.close(1001, "server shutting down");
      server.closeIdleConnections();
      const grace = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
        server.closeAllConnections();
      }, 2000);
      await closed;
      clearTimeout(grace);
    },
  };
  let shuttingDown: Promise<void> | undefined;
  const shutdown = () => {
    shuttingDown ??= drainAndClose(runtime, transport);
    return shuttingDown;
  };

  return { url, port: address.port, service, app, transport, shutdown };
}
