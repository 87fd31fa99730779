/**
 * Native HTTP streaming of POST /completions, read with eventsource-parser (the parser behind
 * EventSource-style clients): the WebSocket's messages as SSE events, errors before the stream
 * opens as JSON with their status, keep-alive comments while silent, and a disconnect aborting the work.
 */
import { serve } from "@hono/node-server";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { Hono } from "hono";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { sseAfterAccepted } from "./sse.js";
import { startTestServer, TEST_KEY, type TestServer } from "../../test/support/server.js";

let server: TestServer;
const engine = new ScriptedEngine({
  fallback: (call) =>
    call.prompt.includes("hang")
      ? new Promise((_resolve, reject) =>
          call.signal?.addEventListener("abort", () => reject(call.signal?.reason)),
        )
      : call.stop
        ? { text: "thinking it over" }
        : { text: "green" },
});
beforeAll(async () => {
  server = await startTestServer(engine);
});
afterAll(() => server?.shutdown());

/** Reads an SSE response to its end: the events and the comments. */
async function readSse(res: Response, onEvent?: (e: EventSourceMessage) => void) {
  const events: EventSourceMessage[] = [];
  const comments: string[] = [];
  const parser = createParser({
    onEvent: (e) => {
      events.push(e);
      onEvent?.(e);
    },
    onComment: (c) => comments.push(c),
  });
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    parser.feed(decoder.decode(read.value, { stream: true }));
  }
  return { events, comments };
}

const post = (body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(`${server.url}/completions`, {
    method: "POST",
    headers: { "x-api-key": TEST_KEY, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

const request = { prompt: "pick", thinking_effort: "low", structured_outputs: { choice: ["red", "green"] } };

describe("POST /completions as server-sent events", () => {
  it("stream: true sends queued, steps, deltas, then exactly one result", async () => {
    const res = await post({ ...request, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const { events } = await readSse(res);
    const types = events.map((e) => e.event);
    expect(types[0]).toBe("completion.queued");
    expect(types.at(-1)).toBe("completion.result");
    expect(types.filter((t) => t === "completion.result" || t === "error")).toHaveLength(1);
    for (const e of events) expect(JSON.parse(e.data).type).toBe(e.event);
    const steps = events.filter((e) => e.event === "completion.step").map((e) => JSON.parse(e.data));
    expect(steps.filter((s) => s.status === "completed").map((s) => s.step)).toEqual([
      "think",
      "draft",
      "reflect",
      "final",
    ]);
    const deltas = events.filter((e) => e.event === "completion.delta").map((e) => JSON.parse(e.data));
    expect(
      deltas
        .filter((d) => d.step === "final")
        .map((d) => d.text)
        .join(""),
    ).toBe("green");
    const result = JSON.parse(events.at(-1)!.data);
    expect(result.result).toMatchObject({ output: "green", valid: true });
    expect(result.id).toBe(result.result.job_id);
  });

  it("Accept: text/event-stream without stream: true sends the events but no deltas", async () => {
    const { events } = await readSse(await post(request, { accept: "text/event-stream" }));
    expect(events.some((e) => e.event === "completion.delta")).toBe(false);
    expect(events.at(-1)!.event).toBe("completion.result");
  });

  it("a bad request is answered before any stream opens, as JSON with its status", async () => {
    const res = await post({ ...request, thinking_effort: "extreme", stream: true });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe("thinking_effort");
  });

  it("a client that disconnects aborts the running pipeline", async () => {
    const controller = new AbortController();
    const calls = engine.calls.length;
    const res = await post({ prompt: "hang", thinking_effort: "none", stream: true }, {}, controller.signal);
    await readSse(res, (e) => {
      if (e.event === "completion.step") controller.abort();
    }).catch(() => undefined);
    const call = engine.calls[calls]!;
    await expect.poll(() => call.signal?.aborted, { timeout: 2000 }).toBe(true);
    expect(server.service.stats().inFlight).toBe(0);
  });
});

describe("sseAfterAccepted", () => {
  it("writes keep-alive comments while the job is silent", async () => {
    const app = new Hono();
    app.get("/", (c) =>
      sseAfterAccepted(
        c,
        async (sink, _signal, accepted) => {
          accepted();
          sink.send("first");
          await new Promise((r) => setTimeout(r, 400));
          sink.send("last");
        },
        { onError: () => undefined, keepAliveMs: 50 },
      ),
    );
    const listener = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
    await new Promise((r) => listener.once("listening", r));
    try {
      const { port } = listener.address() as AddressInfo;
      const { events, comments } = await readSse(await fetch(`http://127.0.0.1:${port}/`));
      expect(events.map((e) => e.data)).toEqual(["first", "last"]);
      expect(comments.length).toBeGreaterThanOrEqual(3);
      expect(comments.every((c) => c.trim() === "keep-alive")).toBe(true);
    } finally {
      listener.close();
    }
  });
});
