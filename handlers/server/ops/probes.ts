/**
 * Probes and metrics, open to platforms that cannot hold the API key: /health (the process is up),
 * /ready (200 or 503 for anyone; details only with the key), /metrics (the API key or, when set, the
 * scrape-only ORCH_METRICS_KEY).
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { DeliberateError } from "../../../core/errors.js";
import type { Engine } from "../../../core/engine.js";
import { presentedKey } from "../auth.js";
import type { ServerMetrics } from "../metrics.js";
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

export function registerProbes(app: OpenAPIHono, deps: ProbeDeps): void {
  app.get("/health", (c) => c.json({ status: "ok" }));

  app.get("/ready", async (c) => {
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
    });
  });

  app.get("/metrics", async (c) => {
    const key = presentedKey((name) => c.req.header(name));
    if (!deps.isApiKey(key) && !deps.isMetricsKey?.(key)) return deps.onUnauthorized(c);
    const text = await deps.metrics.registry.metrics();
    return c.body(text, 200, { "content-type": deps.metrics.registry.contentType });
  });
}
