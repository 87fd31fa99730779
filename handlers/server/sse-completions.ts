/**
 * Native HTTP streaming for POST /completions (`stream: true` or `Accept: text/event-stream`): the
 * same messages the WebSocket sends — completion.queued, completion.step, completion.delta (with
 * `stream: true`), then exactly one completion.result or error — as SSE events named by their type,
 * with `id` = the job id. Errors before the request is queued keep their status and JSON envelope.
 */
import type { Context } from "hono";
import type { CompletionService } from "../../core/completion-service.js";
import { errorEnvelope } from "../../core/errors.js";
import type { PipelineEvent } from "../../core/pipeline.js";
import { sseAfterAccepted, type SseSink } from "./sse.js";

/** True when the client asked for SSE: `stream: true` in the body or an event-stream Accept header. */
export function wantsSse(c: Context, body: unknown): boolean {
  const stream = typeof body === "object" && body !== null && (body as { stream?: unknown }).stream === true;
  return stream || (c.req.header("accept") ?? "").includes("text/event-stream");
}

function send(sink: SseSink, message: { type: string } & Record<string, unknown>): void {
  sink.send(JSON.stringify(message), message.type);
}

function stepMessage(id: string, event: PipelineEvent): { type: string } & Record<string, unknown> {
  if (event.type === "delta") return { type: "completion.delta", id, step: event.step, text: event.text };
  const { type: _type, ...rest } = event;
  return { type: "completion.step", id, ...rest };
}

export function completionsSse(
  c: Context,
  service: CompletionService,
  body: unknown,
  keepAliveMs?: number,
): Promise<Response> {
  let id = "";
  return sseAfterAccepted(
    c,
    async (sink, signal, accepted) => {
      const result = await service.submit(body, {
        signal,
        transport: "http-sse",
        onQueued: (position, jobId) => {
          id = jobId;
          accepted();
          send(sink, { type: "completion.queued", id, job_id: jobId, position });
        },
        onEvent: (event) => send(sink, stepMessage(id, event)),
      });
      send(sink, { type: "completion.result", id, result });
    },
    {
      onError: (err, sink, signal) => send(sink, { type: "error", id, ...errorEnvelope(err, signal) }),
      ...(keepAliveMs === undefined ? {} : { keepAliveMs }),
    },
  );
}
