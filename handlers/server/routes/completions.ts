/** POST /completions: one completion, answered with its result. */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { CompletionService } from "../../../core/completion-service.js";
import { errors, json, ref, security, serve } from "../openapi.js";
import { completionsSse, wantsSse } from "../sse-completions.js";
import { readJson } from "./respond.js";

export const completionsRoute = createRoute({
  method: "post",
  path: "/completions",
  summary: "Run one completion and answer with its result",
  security,
  request: { body: { required: true, ...json(ref("CompletionRequest"), "the completion request") } },
  responses: { 200: json(ref("CompletionResult"), "the result"), ...errors },
});

export function addCompletionRoutes(app: OpenAPIHono, service: CompletionService): void {
  serve(app, completionsRoute, async (c) => {
    const body = await readJson(c);
    // stream: true (or Accept: text/event-stream) answers SSE with the WebSocket's events
    if (wantsSse(c, body)) return completionsSse(c, service, body);
    const result = await service.submit(body, { signal: c.req.raw.signal, transport: "http" });
    return c.json(result);
  });
}
