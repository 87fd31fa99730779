/**
 * The OpenAPI document at /openapi.json, generated from core's zod schemas: the shared components
 * here, each route's description beside its handler (routes/). The WebSocket protocol has no
 * OpenAPI form, so it is described in prose and its messages are components.
 */
import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { Handler, MiddlewareHandler } from "hono";
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

Without \`stream: true\`, a request's \`completion.queued\` and \`completion.step\` frames may leave up to
50 ms late, together with the socket's next frame (never out of order): fewer writes per pipeline.
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
export const ref = (name: string): Ref => ({ $ref: `#/components/schemas/${name}` });

/** A JSON body or response by reference to a component (no validator: handlers parse bodies themselves). */
export const json = (schema: Ref, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** Every route but /health takes the key in either header. */
export const security: Record<string, string[]>[] = [{ bearer: [] }, { apiKeyHeader: [] }];

/**
 * zod's own JSON Schema output (draft 2020-12, which OpenAPI 3.1 uses) rather than the registry's
 * prototype extension: that one breaks when zod is loaded twice (ESM and CJS copies).
 */
export function toSchema(schema: z.ZodType, io: "input" | "output") {
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

/** The error responses the routes that run requests share. */
export const errors = {
  400: json(ref("ErrorEnvelope"), "invalid request"),
  401: json(ref("ErrorEnvelope"), "missing or wrong API key"),
  413: json(ref("ErrorEnvelope"), "body over ORCH_MAX_BODY_BYTES"),
  429: json(ref("ErrorEnvelope"), "queue full"),
  500: json(ref("ErrorEnvelope"), "internal error"),
  502: json(ref("ErrorEnvelope"), "engine error or constraint violation"),
  503: json(ref("ErrorEnvelope"), "engine unavailable or shutting down"),
  504: json(ref("ErrorEnvelope"), "request deadline passed"),
};

/**
 * Serves a route declared with createRoute: its description goes into /openapi.json, the handler
 * answers it. Bodies and responses are described by component reference, so no validator is added
 * (each handler parses its body into the one error envelope) and responses are not typed by them.
 */
export function serve(app: OpenAPIHono, route: RouteConfig, handler: Handler | MiddlewareHandler): void {
  app.openapi(route, handler as never);
}

/** The shared components: security schemes and the wire schemas. Routes declare themselves (routes/). */
export function registerOpenApi(app: OpenAPIHono): void {
  const r = app.openAPIRegistry;
  r.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  r.registerComponent("securitySchemes", "apiKeyHeader", { type: "apiKey", in: "header", name: "x-api-key" });
  for (const [name, schema, io] of COMPONENTS) {
    // biome-ignore lint/suspicious/noExplicitAny: a JSON Schema object, typed loosely by the registry
    r.registerComponent("schemas", name, toSchema(schema, io) as any);
  }
}

export function openApiDocument(app: OpenAPIHono): unknown {
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "Deliberate", version: "0.1.0", description: WS_DESCRIPTION },
  });
}
