/**
 * The Hono app: errors; the open probes and pages (ops/, dashboard/); auth and body limit; then the
 * route groups (routes/, openai/), each declaring its OpenAPI description beside its handler. Runtime glue only; the work is in core's
 * CompletionService.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { CompletionService } from "../../core/completion-service.js";
import type { JobQueue } from "../../core/queue.js";
import { DeliberateError, toDeliberateError } from "../../core/errors.js";
import type { Logger } from "../shared/logger.js";
import { keyMatcher, requireApiKey, unauthorized } from "./auth.js";
import { DASHBOARD_OPEN_ROUTES, type DashboardDeps, registerDashboard } from "./dashboard/routes.js";
import { DOCS_OPEN_ROUTES, registerDocs } from "./ops/docs.js";
import type { EngineMonitor } from "./ops/engine-monitor.js";
import { PROBE_ROUTES, registerProbes } from "./ops/probes.js";
import type { ServerMetrics } from "./metrics.js";
import { createOpenAiApp } from "./openai/routes.js";
import { openApiDocument, registerOpenApi } from "./openapi.js";
import { addCompletionRoutes } from "./routes/completions.js";
import { addEmbeddingsRoutes } from "./routes/embeddings.js";
import { fail } from "./routes/respond.js";
import { addWsRoute } from "./routes/ws.js";
import { bodyDeadline } from "./body-deadline.js";

export interface AppDeps {
  service: CompletionService;
  apiKey: string;
  maxBodyBytes: number;
  maxWsInflight: number;
  /** Unsent bytes one socket may hold before it is closed (ORCH_WS_MAX_BUFFERED_BYTES). */
  maxWsBufferedBytes?: number;
  /** Bounds embeddings requests running and waiting (ORCH_MAX_EMBEDDINGS_*). */
  embeddingsQueue?: JobQueue;
  /** How long a request body may take to arrive (ORCH_BODY_TIMEOUT_S). */
  bodyTimeoutMs?: number;
  metrics: ServerMetrics;
  monitor: EngineMonitor;
  /** Scrape-only key for /metrics (ORCH_METRICS_KEY). */
  metricsKey?: string | undefined;
  dashboard: DashboardDeps;
  log: Logger;
  /** True once shutdown has begun: no new sockets, /ready answers 503. */
  draining: () => boolean;
}

export function createApp(deps: AppDeps): OpenAPIHono {
  const { service, log } = deps;
  const engine = service.engine;
  const app = new OpenAPIHono();

  app.notFound((c) => fail(c, new DeliberateError("not_found", `no route ${c.req.method} ${c.req.path}`)));
  app.onError((err, c) => {
    if (err instanceof HTTPException && err.status === 413) {
      return fail(c, new DeliberateError("payload_too_large", "body too large"));
    }
    if (err instanceof HTTPException && err.status < 500) {
      return fail(c, new DeliberateError("invalid_request", err.message || "bad request"));
    }
    const error = toDeliberateError(err);
    if (error.code === "internal") log.error({ err, path: c.req.path }, "unhandled error");
    return fail(c, error);
  });

  const isApiKey = keyMatcher(deps.apiKey);
  registerProbes(app, {
    engine,
    monitor: deps.monitor,
    metrics: deps.metrics,
    draining: deps.draining,
    isApiKey,
    ...(deps.metricsKey ? { isMetricsKey: keyMatcher(deps.metricsKey) } : {}),
    onUnauthorized: (c) => {
      deps.metrics.recordUnauthorized(c.req.path);
      return unauthorized(c);
    },
  });
  // Pages and their scripts are static and hold no key; their data routes need it.
  registerDocs(app);
  const open = (path: string) =>
    PROBE_ROUTES.includes(path) || DOCS_OPEN_ROUTES(path) || DASHBOARD_OPEN_ROUTES(path);
  app.use(
    "*",
    requireApiKey(deps.apiKey, open, (path) => deps.metrics.recordUnauthorized(path)),
  );
  app.use(
    "*",
    bodyLimit({
      maxSize: deps.maxBodyBytes,
      onError: (c) =>
        fail(
          c,
          new DeliberateError("payload_too_large", `the body is larger than ${deps.maxBodyBytes} bytes`),
        ),
    }),
  );

  if (deps.bodyTimeoutMs) app.use("*", bodyDeadline(deps.bodyTimeoutMs));

  addCompletionRoutes(app, service);
  app.route("/", createOpenAiApp({ service, log }));
  addEmbeddingsRoutes(app, engine, deps.metrics, deps.embeddingsQueue);
  registerOpenApi(app);
  app.get("/openapi.json", (c) => c.json(openApiDocument(app)));
  registerDashboard(app, deps.dashboard);
  addWsRoute(app, deps);

  return app;
}
