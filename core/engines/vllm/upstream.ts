/**
 * How an HTTP request reaches vLLM: undici on one keep-alive pool without header or body timeouts.
 * A streamed call goes through undici's request(), whose body is a Node stream for sse.ts; a plain
 * call goes through the pool's dispatch() with a handler that collects the body, which costs about
 * half the CPU of request() and its stream per call (BENCHMARKS.md, goal 1). Either way the
 * caller's signal closes the connection, which is how vLLM learns to stop generating.
 */
import { Agent, type Dispatcher, request, util } from "undici";

export interface UpstreamRequestOptions {
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** The body is read as it arrives (SSE); otherwise the answer comes once it is complete. */
  stream?: boolean;
}

/** A response body: chunks, or all of it as text; dump() reads and discards it, destroy() cuts it. */
export interface UpstreamBody extends AsyncIterable<Uint8Array> {
  text(): Promise<string>;
  dump(): Promise<void>;
  destroy(error?: Error): unknown;
}

export interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
}

/** Sends one request; tests wrap poolRequest to inject failures. */
export type UpstreamRequest = (url: string, options: UpstreamRequestOptions) => Promise<UpstreamResponse>;

let pool: Agent | undefined;
/**
 * One shared keep-alive pool of connections to vLLM without header or body timeouts: undici's
 * defaults end a call whose headers take 300 s, and a plain (non-streamed) completion sends its
 * headers only when generation ends.
 */
export function vllmPool(): Agent {
  pool ??= new Agent({ headersTimeout: 0, bodyTimeout: 0 });
  return pool;
}

/** The default UpstreamRequest, over vllmPool(). */
export const poolRequest: UpstreamRequest = (url, { stream, ...options }) =>
  stream ? request(url, { ...options, dispatcher: vllmPool() }) : bufferedRequest(vllmPool(), url, options);

/** A body already read in full. */
class BufferedBody implements UpstreamBody {
  constructor(private readonly bytes: Buffer) {}
  async text(): Promise<string> {
    return this.bytes.toString("utf8");
  }
  async dump(): Promise<void> {}
  destroy(): void {}
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    yield this.bytes;
  }
}

/** The whole answer, once it is complete; the signal aborts it at any point before, connection and all. */
export function bufferedRequest(
  dispatcher: Dispatcher,
  url: string,
  options: Omit<UpstreamRequestOptions, "stream">,
): Promise<UpstreamResponse> {
  const { origin, pathname, search } = new URL(url);
  const { signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let abort: ((err?: Error) => void) | undefined;
    let done = false;
    // In flight: undici closes the connection and calls onError. Still waiting for a connection of
    // the pool: answered now, and onConnect drops the request before anything is sent.
    const onAbort = () => (abort ? abort(signal!.reason) : finish(() => reject(signal!.reason)));
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      signal?.removeEventListener("abort", onAbort);
      settle();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    let statusCode = 0;
    let rawHeaders: Buffer[] = [];
    const chunks: Buffer[] = [];
    const handler: Dispatcher.DispatchHandlers = {
      onConnect(abortRequest) {
        if (signal?.aborted) abortRequest(signal.reason);
        else abort = abortRequest;
      },
      onHeaders(status, headers) {
        statusCode = status;
        rawHeaders = headers;
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        finish(() =>
          resolve({
            statusCode,
            headers: util.parseHeaders(rawHeaders) as UpstreamResponse["headers"],
            body: new BufferedBody(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)),
          }),
        );
      },
      onError(err) {
        finish(() => reject(signal?.aborted ? signal.reason : err));
      },
    };
    try {
      dispatcher.dispatch(
        {
          origin,
          path: pathname + search,
          method: options.method,
          headers: options.headers,
          ...(options.body === undefined ? {} : { body: options.body }),
        },
        handler,
      );
    } catch (err) {
      finish(() => reject(err));
    }
  });
}
