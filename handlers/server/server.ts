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
import { createApp } from "./app.js";
import { RecentRequests } from "./dashboard.js";
import { createMetrics } from "./metrics.js";
import { attachWebSockets, openSession } from "./ws-upgrade.js";

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
  const { config, log, service } = runtime;
  const recent = new RecentRequests();
  let draining = false;
  const metrics = createMetrics(() => service.stats(), { defaults: options.defaultMetrics ?? true });
  runtime.observe({
    onStepCompleted: (figures) => metrics.recordStep(figures),
    onSettled: (record) => {
      const transport = record.transport ?? "other";
      metrics.recordSettled(record, transport);
      recent.push(record, transport);
    },
  });

  const app = createApp({
    service,
    apiKey: options.apiKey,
    maxBodyBytes: config.maxBodyBytes,
    maxWsInflight: config.maxWsInflight,
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
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  attachWebSockets(server, app.fetch, wss, (ws) =>
    openSession(ws, {
      service,
      maxInflight: config.maxWsInflight,
      maxFrameBytes: config.maxBodyBytes,
    }),
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

  const closed = new Promise<void>((resolve) => server.once("close", () => resolve()));
  const transport: Transport = {
    stopAccepting: () => {
      draining = true;
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
