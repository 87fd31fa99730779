/**
 * Probes and metrics, open to platforms that cannot hold the API key: /health (the process is up),
 * /ready (200 or 503 for anyone; details only with the key), /metrics (the API key or, when set, the
 * scrape-only ORCH_METRICS_KEY).
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { DeliberateError } from "../../../core/errors.js";
import type { Engine } from "../../../core/engine.js";
import { presentedKey } from "../auth.js";
import type { ServerMetrics } from "../metrics.js";
import { json, ref, security, serve, toSchema } from "../openapi.js";
import type { EngineMonitor } from "./engine-monitor.js";

export interface ProbeDeps {
  engine: Engine;
  monitor: EngineMonitor;
  metrics: ServerMetrics;
  draining: () => boolean;
  isApiKey: (candidate: string | undefined) => boolean;
  /** The scrape-only key, when configured. */
  isMetricsKey?: (candidate: string | undefined) => boolean;
  onUnauthorized: (c: Context) => Response;
}

export const PROBE_ROUTES = ["/health", "/ready", "/metrics"];

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  summary: "Process is up (no key)",
  responses: {
    200: {
      description: "up",
      content: { "application/json": { schema: toSchema(z.object({ status: z.literal("ok") }), "output") } },
    },
  },
});

const readyRoute = createRoute({
  method: "get",
  path: "/ready",
  summary: "Engine reachable and structured outputs verified: {ready} for anyone, details with the key",
  responses: {
    200: {
      description: "ready",
      content: {
        "application/json": {
          schema: toSchema(
            z.object({
              ready: z.boolean(),
              engine: z.string().optional(),
              model: z.string().optional(),
              checked_at: z.string().optional(),
              host: z.record(z.string(), z.unknown()).optional(),
            }),
            "output",
          ),
        },
      },
    },
    503: json(ref("ErrorEnvelope"), "not ready (without the key: {ready: false})"),
  },
});

const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  summary: "Prometheus metrics (the API key, or the scrape-only ORCH_METRICS_KEY)",
  security,
  responses: {
    200: { description: "text exposition format", content: { "text/plain": { schema: { type: "string" } } } },
  },
});

export function registerProbes(app: OpenAPIHono, deps: ProbeDeps): void {
  serve(app, healthRoute, (c) => c.json({ status: "ok" }));

  serve(app, readyRoute, async (c) => {
    const detailed = deps.isApiKey(presentedKey((name) => c.req.header(name)));
    if (deps.draining()) {
      const error = new DeliberateError("shutting_down", "the server is shutting down");
      return c.json(detailed ? error.toEnvelope() : { ready: false }, 503);
    }
    const status = await deps.monitor.check();
    if (!detailed) return c.json({ ready: status.ready }, status.ready ? 200 : 503);
    if (!status.ready) {
      const error = new DeliberateError(
        "engine_unavailable",
        `engine not ready${status.detail ? `: ${status.detail}` : ""}`,
      );
      return c.json(error.toEnvelope(), 503);
    }
    return c.json({
      ready: true,
      engine: deps.engine.kind,
      model: deps.engine.modelInfo().model,
      checked_at: status.checkedAt,
      ...(status.host ? { host: status.host } : {}),
    });
  });

  serve(app, metricsRoute, async (c) => {
    const key = presentedKey((name) => c.req.header(name));
    if (!deps.isApiKey(key) && !deps.isMetricsKey?.(key)) return deps.onUnauthorized(c);
    const text = await deps.metrics.registry.metrics();
    return c.body(text, 200, { "content-type": deps.metrics.registry.contentType });
  });
}
