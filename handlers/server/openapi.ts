/**
 * The OpenAPI document at /openapi.json, generated from core's zod schemas. The WebSocket protocol
 * has no OpenAPI form, so it is described in prose and its messages are components.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import {
  ClientMessage,
  CompletionCancelMessage,
  CompletionCreateMessage,
  CompletionRequest,
  CompletionResult,
  DeltaMessage,
  EmbeddingsRequest,
  EmbeddingsResponse,
  ErrorEnvelope,
  ErrorMessage,
  PingMessage,
  PongMessage,
  QueuedMessage,
  ResultMessage,
  ServerMessage,
  StepMessage,
} from "../../core/protocol.js";

const WS_DESCRIPTION = `
Deliberate turns each request into a budgeted think → draft → reflect → final chain whose final
answer matches a JSON schema, regex, choice list or grammar.

## Authentication
Routes need the API key: \`Authorization: Bearer <key>\` or \`x-api-key: <key>\`. Open without it:
\`/health\`, \`/ready\` (200 or 503 only; details with the key), the \`/docs\` and \`/dashboard\` pages (they ask
for the key and keep it in the tab's sessionStorage), and \`/metrics\` with the scrape-only ORCH_METRICS_KEY.
Browsers may pass \`?api_key=<key>\` to \`/ws/completions\` and \`/openapi.json\`.

## WebSocket \`/ws/completions\`
Upgrade with the key (a missing or wrong key gets \`401\` before the upgrade). JSON text frames only.
Several completions may run at once on one socket (up to ORCH_MAX_WS_INFLIGHT), matched by the
client's \`id\`.

client → server (schema \`ClientMessage\`):
- \`{"type":"completion.create","id":"c1","request":{...CompletionRequest}}\`
- \`{"type":"completion.cancel","id":"c1"}\` — ignored (no reply) when \`c1\` is not running
- \`{"type":"ping"}\`

server → client (schema \`ServerMessage\`), each carrying the \`id\` it answers except \`pong\`:
- \`completion.queued\` (\`job_id\`, \`position\`: 0 = started at once, n = n-th in line)
- \`completion.step\` (\`step\`, \`status\` started/completed, and the step's figures when completed)
- \`completion.delta\` (\`step\`, \`text\`; only with \`stream: true\`)
- \`completion.result\` (\`result\`: CompletionResult) or \`error\` (the error envelope) — exactly one per request
- \`pong\`

A cache hit is answered \`completion.queued\` then \`completion.result\` with \`cached: true\`.
A malformed frame (not JSON, binary, unknown type, schema error, over ORCH_MAX_BODY_BYTES) gets an
\`error\` frame (with the frame's \`id\` when it had one) and the socket stays open. A second create
with an id still in flight gets an \`error\` (param \`id\`) for that frame only. Closing the socket
cancels its running requests.

## Errors
One envelope everywhere: \`{"error":{"type","code","message","param"?,"step"?}}\`. Codes and statuses:
invalid_request 400, context_overflow 400, unauthorized 401, not_found 404, payload_too_large 413,
schema_unsupported 422, answer_truncated 422, queue_full 429, cancelled 499, internal 500,
constraint_violation 502, engine_error 502, engine_unavailable 503, shutting_down 503, timeout 504.
`.trim();

type Ref = { $ref: string };
const ref = (name: string): Ref => ({ $ref: `#/components/schemas/${name}` });

const json = (schema: Ref, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/**
 * zod's own JSON Schema output (draft 2020-12, which OpenAPI 3.1 uses) rather than the registry's
 * prototype extension: that one breaks when zod is loaded twice (ESM and CJS copies).
 */
function toSchema(schema: z.ZodType, io: "input" | "output") {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return rest;
}

const COMPONENTS: [string, z.ZodType, "input" | "output"][] = [
  ["CompletionRequest", CompletionRequest, "input"],
  ["CompletionResult", CompletionResult, "output"],
  ["ErrorEnvelope", ErrorEnvelope, "output"],
  ["EmbeddingsRequest", EmbeddingsRequest, "input"],
  ["EmbeddingsResponse", EmbeddingsResponse, "output"],
  ["ClientMessage", ClientMessage, "input"],
  ["ServerMessage", ServerMessage, "output"],
  ["CompletionCreateMessage", CompletionCreateMessage, "input"],
  ["CompletionCancelMessage", CompletionCancelMessage, "input"],
  ["PingMessage", PingMessage, "input"],
  ["QueuedMessage", QueuedMessage, "output"],
  ["StepMessage", StepMessage, "output"],
  ["DeltaMessage", DeltaMessage, "output"],
  ["ResultMessage", ResultMessage, "output"],
  ["ErrorMessage", ErrorMessage, "output"],
  ["PongMessage", PongMessage, "output"],
];

const errors = {
  400: json(ref("ErrorEnvelope"), "invalid request"),
  401: json(ref("ErrorEnvelope"), "missing or wrong API key"),
  413: json(ref("ErrorEnvelope"), "body over ORCH_MAX_BODY_BYTES"),
  429: json(ref("ErrorEnvelope"), "queue full"),
  500: json(ref("ErrorEnvelope"), "internal error"),
  502: json(ref("ErrorEnvelope"), "engine error or constraint violation"),
  503: json(ref("ErrorEnvelope"), "engine unavailable or shutting down"),
  504: json(ref("ErrorEnvelope"), "request deadline passed"),
};

export function registerOpenApi(app: OpenAPIHono): void {
  const r = app.openAPIRegistry;
  r.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  r.registerComponent("securitySchemes", "apiKeyHeader", { type: "apiKey", in: "header", name: "x-api-key" });
  const security: Record<string, string[]>[] = [{ bearer: [] }, { apiKeyHeader: [] }];

  for (const [name, schema, io] of COMPONENTS) {
    // biome-ignore lint/suspicious/noExplicitAny: a JSON Schema object, typed loosely by the registry
    r.registerComponent("schemas", name, toSchema(schema, io) as any);
  }

  r.registerPath({
    method: "post",
    path: "/completions",
    summary: "Run one completion and answer with its result",
    security,
    request: { body: { required: true, ...json(ref("CompletionRequest"), "the completion request") } },
    responses: { 200: json(ref("CompletionResult"), "the result"), ...errors },
  });
  for (const path of ["/embeddings", "/v1/embeddings"]) {
    r.registerPath({
      method: "post",
      path,
      summary: "Embeddings in OpenAI's shape",
      security,
      request: { body: { required: true, ...json(ref("EmbeddingsRequest"), "the embeddings request") } },
      responses: { 200: json(ref("EmbeddingsResponse"), "the embeddings"), ...errors },
    });
  }
  r.registerPath({
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
  });
  r.registerPath({
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
  r.registerPath({
    method: "get",
    path: "/ready",
    summary: "Engine reachable and structured outputs verified (no key: {ready} only)",
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
              }),
              "output",
            ),
          },
        },
      },
      503: json(ref("ErrorEnvelope"), "not ready"),
    },
  });
  r.registerPath({
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
  r.registerPath({
    method: "get",
    path: "/dashboard",
    summary: "Live dashboard (HTML; asks for the key)",
    responses: {
      200: { description: "HTML page", content: { "text/html": { schema: { type: "string" } } } },
    },
  });
}

export function openApiDocument(app: OpenAPIHono): unknown {
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "Deliberate", version: "0.1.0", description: WS_DESCRIPTION },
  });
}
