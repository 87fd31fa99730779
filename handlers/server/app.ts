/**
 * The Hono app: auth, HTTP routes, the WebSocket route, docs, metrics and the dashboard. Runtime
 * glue only; the work is in core's CompletionService.
 */
import { upgradeWebSocket } from "@hono/node-server";
import { swaggerUI } from "@hono/swagger-ui";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { CompletionService } from "../../core/completion-service.js";
import type { JobQueue } from "../../core/queue.js";
import { DeliberateError, toDeliberateError } from "../../core/errors.js";
import { EmbeddingsRequest } from "../../core/protocol.js";
import type { Logger } from "../shared/logger.js";
import { embed } from "../shared/embeddings.js";
import { requireApiKey } from "./auth.js";
import { type BufferedSocket, boundedSender } from "./backpressure.js";
import { batchedSender, type RawSocket } from "./batched-send.js";
import { docsDocumentUrl } from "./docs-url.js";
import { DASHBOARD_HTML } from "./dashboard-page.js";
import type { DashboardState, RecentRequests } from "./dashboard.js";
import type { ServerMetrics } from "./metrics.js";
import { openApiDocument, registerOpenApi } from "./openapi.js";
import { WsSession } from "./ws-session.js";

export interface AppDeps {
  service: CompletionService;
  apiKey: string;
  maxBodyBytes: number;
  maxWsInflight: number;
  /** Unsent bytes one socket may hold before it is closed (ORCH_WS_MAX_BUFFERED_BYTES). */
  maxWsBufferedBytes?: number;
  /** Bounds embeddings requests running and waiting (ORCH_MAX_EMBEDDINGS_*). */
  embeddingsQueue?: JobQueue;
  metrics: ServerMetrics;
  recent: RecentRequests;
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

  app.get("/health", (c) => c.json({ status: "ok" }));
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
      const signal = c.req.raw.signal;
      const response = deps.embeddingsQueue
        ? await deps.embeddingsQueue.run(parsed.data, (request) => embed(engine, request, signal), {
            signal,
          })
        : await embed(engine, parsed.data, signal);
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

  app.get("/ready", async (c) => {
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
    return c.json({ ready: true, engine: engine.kind, model: engine.modelInfo().model });
  });

  app.get("/metrics", async (c) => {
    const text = await deps.metrics.registry.metrics();
    return c.body(text, 200, { "content-type": deps.metrics.registry.contentType });
  });

  registerOpenApi(app);
  app.get("/openapi.json", (c) => c.json(openApiDocument(app)));
  app.get("/docs", (c, next) => {
    // The UI fetches the document from the browser, which can only pass the key in the query.
    const url = docsDocumentUrl(c.req.query("api_key"));
    return swaggerUI({ url, title: "Deliberate API" })(c, next);
  });

  app.get("/dashboard", (c) => c.html(DASHBOARD_HTML));
  app.get("/dashboard/state", (c) => {
    const info = engine.modelInfo();
    const state: DashboardState = {
      ...service.stats(),
      engine: engine.kind,
      model: info.model,
      recent: deps.recent.list(),
    };
    return c.json(state);
  });

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
          const raw = ws.raw as (RawSocket & BufferedSocket) | undefined;
          if (!raw) return;
          const send = boundedSender({
            socket: raw,
            send: batchedSender(raw),
            maxBufferedBytes: deps.maxWsBufferedBytes ?? 4 * 1024 * 1024,
            onOverflow: (buffered) => {
              log.warn({ buffered_bytes: buffered }, "websocket closed: the client is not reading");
              deps.metrics.recordWsOverflow();
              session?.close();
            },
          });
          session = new WsSession({
            service,
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

  return app;
}
