/**
 * The Hono app: auth, HTTP routes, the WebSocket route, docs, metrics and the dashboard. Runtime
 * glue only; the work is in core's CompletionService.
 */
import { upgradeWebSocket } from "@hono/node-server";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { CompletionService } from "../../core/completion-service.js";
import { DeliberateError, toDeliberateError } from "../../core/errors.js";
import { EmbeddingsRequest } from "../../core/protocol.js";
import type { Logger } from "../shared/logger.js";
import { embed } from "../shared/embeddings.js";
import { keyMatcher, requireApiKey, unauthorized } from "./auth.js";
import { batchedSender, type RawSocket } from "./batched-send.js";
import { DASHBOARD_OPEN_ROUTES, type DashboardDeps, registerDashboard } from "./dashboard/routes.js";
import { DOCS_OPEN_ROUTES, registerDocs } from "./ops/docs.js";
import type { EngineMonitor } from "./ops/engine-monitor.js";
import { PROBE_ROUTES, registerProbes } from "./ops/probes.js";
import type { ServerMetrics } from "./metrics.js";
import { openApiDocument, registerOpenApi } from "./openapi.js";
import { WsSession } from "./ws-session.js";

export interface AppDeps {
  service: CompletionService;
  apiKey: string;
  maxBodyBytes: number;
  maxWsInflight: number;
  metrics: ServerMetrics;
  monitor: EngineMonitor;
  /** Scrape-only key for /metrics (ORCH_METRICS_KEY). */
  metricsKey?: string | undefined;
  dashboard: DashboardDeps;
  log: Logger;
  /** True once shutdown has begun: no new sockets, /ready answers 503. */
  draining: () => boolean;
}

function fail(c: Context, error: DeliberateError) {
  // biome-ignore lint/suspicious/noExplicitAny: Hono types statuses as a literal union
  return c.json(error.toEnvelope(), error.status as any);
}

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new DeliberateError("invalid_request", "the body is not valid JSON");
  }
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

  app.post("/completions", async (c) => {
    const body = await readJson(c);
    const result = await service.submit(body, { signal: c.req.raw.signal, transport: "http" });
    return c.json(result);
  });

  const embeddings = async (c: Context) => {
    const body = await readJson(c);
    const parsed = EmbeddingsRequest.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue?.path.map(String).join(".") || undefined;
      throw new DeliberateError(
        "invalid_request",
        `${param ? `${param}: ` : ""}${issue?.message ?? "invalid"}`,
        param ? { param } : {},
      );
    }
    try {
      const response = await embed(engine, parsed.data, c.req.raw.signal);
      deps.metrics.recordEmbeddings("ok");
      return c.json(response);
    } catch (err) {
      const error = toDeliberateError(err, c.req.raw.signal);
      deps.metrics.recordEmbeddings(error.code);
      throw error;
    }
  };
  app.post("/embeddings", embeddings);
  app.post("/v1/embeddings", embeddings);

  registerOpenApi(app);
  app.get("/openapi.json", (c) => c.json(openApiDocument(app)));
  registerDashboard(app, deps.dashboard);

  app.get(
    "/ws/completions",
    async (c, next) => {
      if (deps.draining())
        return fail(c, new DeliberateError("shutting_down", "the server is shutting down"));
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
        return c.json(
          new DeliberateError("invalid_request", "this route speaks WebSocket only (see /docs)").toEnvelope(),
          426,
        );
      }
      return next();
    },
    upgradeWebSocket(() => {
      let session: WsSession | undefined;
      return {
        onOpen(_event, ws) {
          const raw = ws.raw as RawSocket | undefined;
          if (!raw) return;
          session = new WsSession({
            service,
            maxInflight: deps.maxWsInflight,
            maxFrameBytes: deps.maxBodyBytes,
            send: batchedSender(raw),
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

  return app;
}
