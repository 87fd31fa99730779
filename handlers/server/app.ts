/**
 * The Hono app: errors, auth, body limit, then the route groups of routes/ (each declares its
 * OpenAPI description beside its handler), docs. Runtime glue only; the work is in core's
 * CompletionService.
 */
import { swaggerUI } from "@hono/swagger-ui";
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { CompletionService } from "../../core/completion-service.js";
import { DeliberateError, toDeliberateError } from "../../core/errors.js";
import type { Logger } from "../shared/logger.js";
import { requireApiKey } from "./auth.js";
import type { RecentRequests } from "./dashboard.js";
import type { ServerMetrics } from "./metrics.js";
import { createOpenAiApp } from "./openai/routes.js";
import { openApiDocument, registerOpenApi } from "./openapi.js";
import { addCompletionRoutes } from "./routes/completions.js";
import { addDashboardRoutes } from "./routes/dashboard.js";
import { addEmbeddingsRoutes } from "./routes/embeddings.js";
import { fail } from "./routes/respond.js";
import { addHealthRoute, addStatusRoutes } from "./routes/status.js";
import { addWsRoute } from "./routes/ws.js";

export interface AppDeps {
  service: CompletionService;
  apiKey: string;
  maxBodyBytes: number;
  maxWsInflight: number;
  metrics: ServerMetrics;
  recent: RecentRequests;
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

  addHealthRoute(app);
  app.use("*", requireApiKey(deps.apiKey));
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

  addCompletionRoutes(app, service);
  app.route("/", createOpenAiApp({ service, log }));
  addEmbeddingsRoutes(app, engine, deps.metrics);
  addStatusRoutes(app, { engine, metrics: deps.metrics, draining: deps.draining });

  registerOpenApi(app);
  app.get("/openapi.json", (c) => c.json(openApiDocument(app)));
  app.get("/docs", (c, next) => {
    // The UI fetches the document from the browser, which can only pass the key in the query.
    const key = c.req.query("api_key");
    const url = key ? `/openapi.json?api_key=${encodeURIComponent(key)}` : "/openapi.json";
    return swaggerUI({ url, title: "Deliberate API" })(c, next);
  });

  addDashboardRoutes(app, service, deps.recent);
  addWsRoute(app, deps);

  return app;
}
