/**
 * The OpenAI-compatible routes as an OpenAPIHono sub-app: POST /v1/chat/completions, POST
 * /v1/completions, GET /v1/models (and /v1/models/{model}). Same auth, body limit, queue, cache and
 * metrics as every route (the parent app's middleware and the CompletionService); errors in
 * OpenAI's shape. Streaming answers OpenAI's SSE chunks, then `data: [DONE]`.
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import type { CompletionService } from "../../../core/completion-service.js";
import { DeliberateError } from "../../../core/errors.js";
import type { Logger } from "../../shared/logger.js";
import { sseAfterAccepted } from "../sse.js";
import { invalidParameter, toOpenAiError } from "./errors.js";
import { modelList, resolveModel, servedModels } from "./models.js";
import { type OpenAiCall, runOpenAi, type Submit } from "./run.js";
import {
  ChatCompletion,
  ChatCompletionRequest,
  ModelList,
  ModelObject,
  OpenAiError,
  TextCompletion,
  TextCompletionRequest,
} from "./schemas.js";

export interface OpenAiAppDeps {
  service: CompletionService;
  log: Logger;
  keepAliveMs?: number;
}

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: OpenAiError } },
});
const ERRORS = {
  400: errorResponse("invalid or unsupported parameter (named in `param`)"),
  401: errorResponse("missing or wrong API key"),
  404: errorResponse("model_not_found"),
  429: errorResponse("rate_limit_exceeded: the queue is full"),
  500: errorResponse("server error"),
  503: errorResponse("engine unavailable or shutting down"),
};
const security = [{ bearer: [] }];

function generation(path: string, summary: string, request: z.ZodType, response: z.ZodType) {
  return createRoute({
    method: "post",
    path,
    summary,
    tags: ["OpenAI-compatible"],
    security,
    request: { body: { required: true, content: { "application/json": { schema: request } } } },
    responses: {
      200: {
        description: "the response object, or with `stream: true` its chunks as SSE ending in `data: [DONE]`",
        content: { "application/json": { schema: response }, "text/event-stream": { schema: z.string() } },
      },
      ...ERRORS,
    },
  });
}

const chatRoute = generation(
  "/v1/chat/completions",
  "OpenAI chat completion through the pipeline (reasoning in reasoning_content)",
  ChatCompletionRequest,
  ChatCompletion,
);
const textRoute = generation(
  "/v1/completions",
  "OpenAI (legacy) completion of a prompt through the pipeline",
  TextCompletionRequest,
  TextCompletion,
);
const modelsRoute = createRoute({
  method: "get",
  path: "/v1/models",
  summary: "The served model and its alias",
  tags: ["OpenAI-compatible"],
  security,
  responses: {
    200: { description: "OpenAI's list shape", content: { "application/json": { schema: ModelList } } },
  },
});
const modelRoute = createRoute({
  method: "get",
  path: "/v1/models/{model}",
  summary: "One served model",
  tags: ["OpenAI-compatible"],
  security,
  request: { params: z.object({ model: z.string() }) },
  responses: {
    200: { description: "the model", content: { "application/json": { schema: ModelObject } } },
    404: ERRORS[404],
  },
});

/** Streamed and OpenAI-error responses are outside the route's typed response union. */
const untyped = (handler: (c: Context) => Response | Promise<Response>) => handler as never;

function fail(c: Context, err: unknown, signal?: AbortSignal): Response {
  const { status, body } = toOpenAiError(err, signal);
  // biome-ignore lint/suspicious/noExplicitAny: Hono types statuses as a literal union
  return c.json(body, status as any);
}

export function createOpenAiApp(deps: OpenAiAppDeps): OpenAPIHono {
  const { service, log } = deps;
  const app = new OpenAPIHono({
    defaultHook: (result, c) => (result.success ? undefined : fail(c, invalidParameter(result.error))),
  });
  app.onError((err, c) => {
    if (err instanceof HTTPException && err.status < 500) {
      return fail(c, new DeliberateError("invalid_request", err.message || "bad request"));
    }
    const failure = toOpenAiError(err);
    if (failure.status === 500) log.error({ err, path: c.req.path }, "unhandled error");
    return fail(c, err);
  });

  const submit: Submit = (request, options) => service.submit(request, { ...options, transport: "openai" });
  const served = () => servedModels(service.engine.modelInfo().model);

  const handle = async (c: Context, call: OpenAiCall) => {
    if (call.body.stream !== true) {
      const response = await runOpenAi(call, { submit, served: served(), signal: c.req.raw.signal });
      return c.json(response);
    }
    return sseAfterAccepted(
      c,
      async (sink, signal, accepted) => {
        await runOpenAi(call, {
          submit,
          served: served(),
          signal,
          onAccepted: accepted,
          onChunk: (chunk) => sink.send(JSON.stringify(chunk)),
        });
        sink.send("[DONE]");
      },
      {
        onError: (err, sink, signal) => {
          sink.send(JSON.stringify(toOpenAiError(err, signal).body));
          sink.send("[DONE]");
        },
        ...(deps.keepAliveMs === undefined ? {} : { keepAliveMs: deps.keepAliveMs }),
      },
    );
  };

  app.openapi(
    chatRoute,
    untyped((c) => handle(c, { kind: "chat", body: c.req.valid("json" as never) })),
  );
  app.openapi(
    textRoute,
    untyped((c) => handle(c, { kind: "text", body: c.req.valid("json" as never) })),
  );
  app.openapi(modelsRoute, (c) => c.json(modelList(served())));
  app.openapi(
    modelRoute,
    untyped((c) => c.json(modelList([resolveModel(c.req.param("model"), served())]).data[0])),
  );
  return app;
}
