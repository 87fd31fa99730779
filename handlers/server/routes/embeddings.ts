/** POST /embeddings and /v1/embeddings: embeddings in OpenAI's shape, on the service's engine. */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Engine } from "../../../core/engine.js";
import { toDeliberateError } from "../../../core/errors.js";
import { parseOrInvalid } from "../../../core/invalid-request.js";
import { EmbeddingsRequest } from "../../../core/protocol.js";
import type { JobQueue } from "../../../core/queue.js";
import { embed } from "../../shared/embeddings.js";
import type { ServerMetrics } from "../metrics.js";
import { errors, json, ref, security, serve } from "../openapi.js";
import { readJson } from "./respond.js";

const embeddingsRoute = (path: string) =>
  createRoute({
    method: "post",
    path,
    summary: "Embeddings in OpenAI's shape",
    security,
    request: { body: { required: true, ...json(ref("EmbeddingsRequest"), "the embeddings request") } },
    responses: { 200: json(ref("EmbeddingsResponse"), "the embeddings"), ...errors },
  });

export function addEmbeddingsRoutes(
  app: OpenAPIHono,
  engine: Engine,
  metrics: ServerMetrics,
  /** Bounds embeddings requests running and waiting (ORCH_MAX_EMBEDDINGS_*). */
  queue?: JobQueue,
): void {
  const handler = async (c: Context) => {
    const request = parseOrInvalid(EmbeddingsRequest, await readJson(c));
    const signal = c.req.raw.signal;
    try {
      const response = queue
        ? await queue.run(request, (queued) => embed(engine, queued, signal), { signal })
        : await embed(engine, request, signal);
      metrics.recordEmbeddings("ok");
      return c.json(response);
    } catch (err) {
      const error = toDeliberateError(err, c.req.raw.signal);
      metrics.recordEmbeddings(error.code);
      throw error;
    }
  };
  for (const path of ["/embeddings", "/v1/embeddings"]) serve(app, embeddingsRoute(path), handler);
}
