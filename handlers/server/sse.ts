/**
 * A server-sent-events response that opens only once the request was accepted (queued or answered
 * from the cache): errors before that (bad request, queue full) keep their HTTP status and JSON body.
 * Then events go out in order through hono's streamSSE, a comment line keeps the connection alive
 * while nothing else is written (idle proxies cut silent connections), and a client that goes away
 * aborts the work.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { DeliberateError } from "../../core/errors.js";

export const KEEP_ALIVE_MS = 15_000;

export interface SseSink {
  send(data: string, event?: string): void;
}

/** The work: calls `accepted` when the stream may open, writes through `sink`, ends when done. */
export type SseJob = (sink: SseSink, signal: AbortSignal, accepted: () => void) => Promise<void>;

export interface SseOptions {
  /** Writes an error that happened after the stream opened. */
  onError: (err: unknown, sink: SseSink, signal: AbortSignal) => void;
  keepAliveMs?: number;
}

const disconnected = () => new DeliberateError("cancelled", "the client disconnected");

export async function sseAfterAccepted(c: Context, job: SseJob, options: SseOptions): Promise<Response> {
  const controller = new AbortController();
  const outer = c.req.raw.signal;
  const forward = () => controller.abort(disconnected());
  if (outer.aborted) forward();
  else outer.addEventListener("abort", forward, { once: true });

  const pending: { data: string; event?: string }[] = [];
  let write: ((message: { data: string; event?: string }) => void) | undefined;
  const sink: SseSink = {
    send: (data, event) => {
      const message = event === undefined ? { data } : { data, event };
      if (write) write(message);
      else pending.push(message);
    },
  };
  let markAccepted: () => void = () => undefined;
  const accepted = new Promise<void>((resolve) => {
    markAccepted = resolve;
  });
  const done = job(sink, controller.signal, () => markAccepted());
  try {
    await Promise.race([accepted, done]);
  } catch (err) {
    outer.removeEventListener("abort", forward);
    throw err;
  }

  return streamSSE(c, async (stream) => {
    stream.onAbort(forward);
    let chain = Promise.resolve();
    let lastWrite = Date.now();
    const enqueue = (send: () => Promise<void>) => {
      lastWrite = Date.now();
      chain = chain.then(send).catch(() => undefined);
    };
    write = (message) => enqueue(() => stream.writeSSE(message));
    for (const message of pending.splice(0)) write(message);
    const every = options.keepAliveMs ?? KEEP_ALIVE_MS;
    const timer = setInterval(() => {
      if (Date.now() - lastWrite >= every * 0.9)
        enqueue(() => stream.write(": keep-alive\n\n").then(() => undefined));
    }, every);
    try {
      await done;
    } catch (err) {
      options.onError(err, sink, controller.signal);
    } finally {
      clearInterval(timer);
      outer.removeEventListener("abort", forward);
      await chain;
    }
  });
}
