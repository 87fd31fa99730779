/** GET /ws/completions: the WebSocket protocol (described in the document's prose; messages are components). */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { DeliberateError } from "../../../core/errors.js";
import { errors, security, serve } from "../openapi.js";
import { type UpgradeEnv, WS_UPGRADE } from "../ws-upgrade.js";
import { fail } from "./respond.js";

export interface WsRouteDeps {
  draining: () => boolean;
}

/** A plain request to the WebSocket route. */
const webSocketOnly = (c: Context) =>
  c.json(
    new DeliberateError("invalid_request", "this route speaks WebSocket only (see /docs)").toEnvelope(),
    426,
  );

/** No new sockets while draining; a plain GET is told this route speaks WebSocket only. */
const upgradeOnly =
  (draining: () => boolean): MiddlewareHandler =>
  async (c, next) => {
    if (draining()) return fail(c, new DeliberateError("shutting_down", "the server is shutting down"));
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return webSocketOnly(c);
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
  serve(app, route, (c) => {
    // Only an upgrade that came through ws-upgrade.ts carries the flag; the socket opens there.
    const upgrade = (c.env as Partial<UpgradeEnv> | undefined)?.[WS_UPGRADE];
    if (!upgrade) return webSocketOnly(c);
    upgrade.accepted = true;
    return c.body(null, 200);
  });
}
