/** GET /health (no auth), /ready and /metrics. */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { Engine } from "../../../core/engine.js";
import { DeliberateError, toDeliberateError } from "../../../core/errors.js";
import type { ServerMetrics } from "../metrics.js";
import { json, ref, security, serve, toSchema } from "../openapi.js";
import { fail } from "./respond.js";

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  summary: "Process is up (no auth)",
  responses: {
    200: {
      description: "up",
      content: {
        "application/json": { schema: toSchema(z.object({ status: z.literal("ok") }), "output") },
      },
    },
  },
});

const readyRoute = createRoute({
  method: "get",
  path: "/ready",
  summary: "Engine reachable and structured outputs verified",
  security,
  responses: {
    200: {
      description: "ready",
      content: {
        "application/json": {
          schema: toSchema(z.object({ ready: z.boolean(), engine: z.string(), model: z.string() }), "output"),
        },
      },
    },
    503: json(ref("ErrorEnvelope"), "not ready"),
  },
});

const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  summary: "Prometheus metrics",
  security,
  responses: {
    200: {
      description: "text exposition format",
      content: { "text/plain": { schema: { type: "string" } } },
    },
  },
});

/** Registered before the auth middleware: load balancers probe it without a key. */
export function addHealthRoute(app: OpenAPIHono): void {
  serve(app, healthRoute, (c) => c.json({ status: "ok" }));
}

export function addStatusRoutes(
  app: OpenAPIHono,
  deps: { engine: Engine; metrics: ServerMetrics; draining: () => boolean },
): void {
  const { engine, metrics } = deps;
  serve(app, readyRoute, async (c) => {
    if (deps.draining()) return fail(c, new DeliberateError("shutting_down", "the server is shutting down"));
    const health = await engine.health(AbortSignal.timeout(10_000)).catch((err: unknown) => ({
      ready: false,
      detail: toDeliberateError(err).message,
    }));
    if (!health.ready) {
      return fail(
        c,
        new DeliberateError(
          "engine_unavailable",
          `engine not ready${health.detail ? `: ${health.detail}` : ""}`,
        ),
      );
    }
    const host = "host" in health && health.host ? { host: health.host } : {};
    return c.json({ ready: true, engine: engine.kind, model: engine.modelInfo().model, ...host });
  });
  serve(app, metricsRoute, async (c) => {
    const text = await metrics.registry.metrics();
    return c.body(text, 200, { "content-type": metrics.registry.contentType });
  });
}
