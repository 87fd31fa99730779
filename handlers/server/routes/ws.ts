/** GET /ws/completions: the WebSocket protocol (described in the document's prose; messages are components). */
import { upgradeWebSocket } from "@hono/node-server";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { CompletionService } from "../../../core/completion-service.js";
import { DeliberateError } from "../../../core/errors.js";
import type { Logger } from "../../shared/logger.js";
import { type BufferedSocket, boundedSender } from "../backpressure.js";
import { batchedSender, type RawSocket } from "../batched-send.js";
import type { ServerMetrics } from "../metrics.js";
import { errors, security, serve } from "../openapi.js";
import { WsSession } from "../ws-session.js";
import { fail } from "./respond.js";

export interface WsRouteDeps {
  service: CompletionService;
  maxWsInflight: number;
  maxBodyBytes: number;
  /** Unsent bytes one socket may hold before it is closed (ORCH_WS_MAX_BUFFERED_BYTES). */
  maxWsBufferedBytes?: number;
  metrics: ServerMetrics;
  log: Logger;
  draining: () => boolean;
}

/** No new sockets while draining; a plain GET is told this route speaks WebSocket only. */
const upgradeOnly =
  (draining: () => boolean): MiddlewareHandler =>
  async (c, next) => {
    if (draining()) return fail(c, new DeliberateError("shutting_down", "the server is shutting down"));
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return c.json(
        new DeliberateError("invalid_request", "this route speaks WebSocket only (see /docs)").toEnvelope(),
        426,
      );
    }
    return next();
  };

export function addWsRoute(app: OpenAPIHono, deps: WsRouteDeps): void {
  const route = createRoute({
    method: "get",
    path: "/ws/completions",
    summary: "WebSocket protocol (see the description at the top)",
    security,
    parameters: [
      {
        name: "api_key",
        in: "query",
        required: false,
        schema: { type: "string" },
        description: "for browsers",
      },
    ],
    responses: {
      101: { description: "switching protocols; then ClientMessage/ServerMessage frames" },
      401: errors[401],
    },
    middleware: [upgradeOnly(deps.draining)],
  });
  serve(
    app,
    route,
    upgradeWebSocket(() => {
      let session: WsSession | undefined;
      return {
        onOpen(_event, ws) {
          const raw = ws.raw as (RawSocket & BufferedSocket) | undefined;
          if (!raw) return;
          // A client that stops reading is closed rather than buffered for without bound.
          const send = boundedSender({
            socket: raw,
            send: batchedSender(raw),
            maxBufferedBytes: deps.maxWsBufferedBytes ?? 4 * 1024 * 1024,
            onOverflow: (buffered) => {
              deps.log.warn({ buffered_bytes: buffered }, "websocket closed: the client is not reading");
              deps.metrics.recordWsOverflow();
              session?.close();
            },
          });
          session = new WsSession({
            service: deps.service,
            maxInflight: deps.maxWsInflight,
            maxFrameBytes: deps.maxBodyBytes,
            send,
          });
        },
        onMessage(event, _ws) {
          const data = event.data as string | ArrayBuffer;
          session?.handleFrame(data, typeof data !== "string");
        },
        onClose() {
          session?.close();
        },
      };
    }),
  );
}
